"""``/v1/imports``: bring an agency's existing cases into ogi from a sheet (XLSX, CSV) or JSON rows; all or none."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from domain.import_sheet import COLUMNS
from domain.messages import Msg
from infra.i18n import translate
from service import imports
from service.errors import BadInput
from service.imports import ImportPlan
from service.spreadsheets import XLSX_MEDIA_TYPE

router = APIRouter(prefix="/v1/imports", tags=["imports"], responses=ERRORS)

_ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One case: keys are the template's headers (机关, 原编号, ...) or their machine names.",
    "properties": {c.header: {"type": ["string", "integer", "null"], "description": c.doc or c.key} for c in COLUMNS},
    "additionalProperties": {"type": ["string", "integer", "null"]},
}
_BODY = {
    "requestBody": {
        "required": True,
        "description": "The sheet: the import template filled in (first worksheet of an XLSX, or CSV in UTF-8 or GBK), or the rows as JSON.",
        "content": {
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {"rows": {"type": "array", "items": _ROW_SCHEMA}},
                }
            },
        },
    }
}


@router.post(
    "",
    response_model=ImportPlan,
    summary="Import existing cases (迁移): closed ones into the archive, open ones running at their stage",
    openapi_extra=_BODY,
)
async def import_cases(
    request: Request,
    principal: CurrentPrincipal,
    dry_run: Annotated[
        bool, Query(description="List what would be imported and every row refused; change nothing.")
    ] = False,
    source: Annotated[str | None, Query(max_length=200, description="The file's name, for messages.")] = None,
) -> ImportPlan:
    """Import every row of the sheet, or none (needs the roles intake and records).

    Any refused row answers 422 with each row's line, column and rule (``errors``), and nothing is imported;
    ``dry_run=true`` answers the same listing (200, with ``refused``) without importing. A row imported
    before is skipped, so an import stopped half-way is finished by sending it again. JSON rows are
    numbered as in a sheet under its header: ``rows[0]`` is line 2.
    """
    raw = await request.body()
    name = source or translate(Msg("the uploaded sheet"))
    if "json" in request.headers.get("content-type", ""):
        sheet = imports.sheet_of_records(_rows(raw))
    else:
        sheet = imports.sheet_of(raw, name)
    if dry_run:
        return await imports.plan_import(principal, sheet, name)
    return await imports.run_import(principal, sheet, name)


def _rows(raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadInput(
            Msg('the body is not JSON; send {"rows": [{"agency": ..., "external_ref": ...}, ...]}'), "bad_input.json"
        ) from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BadInput(Msg('the body must be {"rows": [ {column: value, ...}, ... ]}'), "bad_input.json", field="rows")
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is not None and not isinstance(value, str | int | float | bool):
                msg = f"rows.{index}: the value of '{key}' must be text, a number or null"
                raise BadInput(msg, "bad_input.json", field=f"rows.{index}")
    return rows
