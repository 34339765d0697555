"""What every page showing one report needs of it: the sheet, its status and progress, and
the tables' layouts (the report page, its preview, and the supervisors' review page)."""

from __future__ import annotations

from typing import Any

from bot.chat.sheet import Sheet
from bot.web.tables import cell_anchor, cell_span, layout, table_rows
from storage.models import STATUS_LABELS


def sheet_context(sheet: Sheet) -> dict[str, Any]:
    done, total = sheet.progress
    return {
        "sheet": sheet,
        "form": sheet.form,
        "report": sheet.report,
        "status": STATUS_LABELS.get(sheet.report.status, sheet.report.status),
        "done": done,
        "total": total,
        "layouts": {s.id: layout(sheet.form, s) for s in sheet.form.sections if s.table},
        "table_rows": table_rows,
        "anchor": cell_anchor,
        "cell_span": cell_span,
    }
