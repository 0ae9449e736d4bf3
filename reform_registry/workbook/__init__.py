"""The registry workbook (DESIGN §5): one ``.xlsx`` or a folder of ``.csv`` files.

``read_workbook`` reads either form into plain rows, ``import_workbook`` adds them to the
registry through the services of ``units`` and ``staffing`` (all or nothing), and
``export_rows`` / ``write_workbook`` give the registry back in the same format.
"""

from .format import SHEETS, WorkbookData
from .readers import read_workbook

__all__ = ["SHEETS", "WorkbookData", "read_workbook"]
