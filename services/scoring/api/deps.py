"""Dependencies of the scoring routes."""

from typing import Annotated

from fastapi import Depends

from services.scoring import service

ActorDep = Annotated[str, Depends(service.actor)]
