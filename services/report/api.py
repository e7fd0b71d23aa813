"""HTTP routes of the report service."""

from fastapi import APIRouter

router = APIRouter()
