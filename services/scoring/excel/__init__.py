"""Spreadsheets in and out: indicator systems, facts and scored tables as evaluators keep them.

`workbook` opens uploads safely, `sheet` reads the seed layout into a tree, `standards`
recognises 评分标准 texts as rules, `importer` builds a system from them, `exporter` and
`summary` write XLSX and CSV, `facts` reads one row of facts per project.
"""
