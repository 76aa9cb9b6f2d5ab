"""Routes of this part (to be filled)."""

from fastapi import APIRouter

router = APIRouter()
