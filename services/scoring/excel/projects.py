"""Store the rows of a facts sheet as projects: new ones by name, existing ones by id."""

import uuid

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.identity import Identity
from services.kit.models import utcnow
from services.scoring import service, store
from services.scoring.excel import facts
from services.scoring.models import ProjectRecord
from services.scoring.system import Issue


class ImportedProject(BaseModel):
    """A project created or updated from one row."""

    row: int
    id: uuid.UUID
    name: str
    created: bool


async def check_rows(
    session: AsyncSession, sheet: facts.FactsSheet, year: int | None, caller: Identity
) -> dict[uuid.UUID | None, ProjectRecord]:
    """Find the projects rows name by id; flag unknown ids and new projects without a year."""
    existing: dict[uuid.UUID | None, ProjectRecord] = {}
    for row in sheet.rows:
        if row.id is not None:
            record = await session.get(ProjectRecord, row.id)
            # Another organisation's project is as unknown here as a missing one.
            if record is None or not store.writable(record.org_id, caller):
                sheet.issues.append(
                    Issue(path=row.cells["id"], message=f"没有ID为 {row.id} 的项目")
                )
                sheet.bad.add(row.number)
            else:
                existing[row.id] = record
        elif row.year is None and year is None and row.number not in sheet.bad:
            where = row.cells.get("name", f"{sheet.sheet}!A{row.number}")
            sheet.issues.append(
                Issue(path=where, message="新项目须有年度：加一列“年度”，或在表单中给出 year")
            )
            sheet.bad.add(row.number)
    return existing


def store_row(
    session: AsyncSession,
    row: facts.Row,
    record: ProjectRecord | None,
    year: int | None,
    caller: Identity,
) -> ImportedProject:
    """Create a project from a row, or merge the row's facts into an existing one."""
    dumped = service.dump_facts(row.facts)
    units = {
        k: getattr(row, k) for k in ("implementing_unit", "commissioning_unit") if getattr(row, k)
    }
    if record is None:
        record = ProjectRecord(
            name=row.name or "",
            year=row.year or year or 0,
            facts=dumped,
            org_id=caller.org_id,
            created_by=caller.client_id,
            **units,
        )
        created = True
    else:
        record.facts = service.merged(record.facts, dumped)
        record.updated_at = utcnow()
        for key, value in {"name": row.name, "year": row.year, **units}.items():
            if value:
                setattr(record, key, value)
        created = False
    session.add(record)
    return ImportedProject(row=row.number, id=record.id, name=record.name, created=created)
