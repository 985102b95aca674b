"""Reading spreadsheets, mapping exports onto the workbook contract, validating and loading them."""
