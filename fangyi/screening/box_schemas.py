"""Request and response bodies of the boxes API (/api/v1/screening/boxes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fangyi.screening.schemas import Code, Moment

Barcode = Annotated[str, Field(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]{5,39}$")]
Signer = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*\S[^\x00]*$")]
BoxState = Literal["packed", "handed_over", "received"]


class BoxIn(BaseModel):
    """Closed tubes packed into a new box, for a lab."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(description="the box's own label, unique")
    barcodes: list[Barcode] = Field(min_length=1, max_length=500, description="closed tubes only")
    lab_code: Code | None = Field(None, description="the lab it goes to; must be registered")
    point_code: Code | None = Field(None, description="default: the tubes' point when they share one")


class HandOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handed_over_by: Signer
    carried_by: Signer = Field(description="the driver or courier who takes the box")
    at: Moment | None = Field(None, description="default now; without an offset, local time")


class ReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_by: Signer
    at: Moment | None = Field(None, description="default now; without an offset, local time")


class BoxTubeOut(BaseModel):
    barcode: str
    state: str
    members: int
    pool_size: int
    received_at: datetime | None
    result: str | None


class BoxRowOut(BaseModel):
    code: str
    state: BoxState
    lab_code: str | None
    point_code: str | None
    tubes: int
    packed_at: datetime
    handed_over_at: datetime | None
    handed_over_by: str | None
    carried_by: str | None
    received_at: datetime | None
    received_by: str | None


class BoxOut(BoxRowOut):
    tube_list: list[BoxTubeOut]


class BoxPageOut(BaseModel):
    total: int
    page: int
    size: int
    boxes: list[BoxRowOut]
