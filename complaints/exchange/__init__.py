"""Spreadsheets in and out: imports (read within bounds, in the background when
large), exports, and the data-access workbook."""
