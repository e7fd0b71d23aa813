"""HTTP routes of the survey service."""

from fastapi import APIRouter

router = APIRouter()
