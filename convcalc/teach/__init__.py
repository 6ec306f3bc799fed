"""Teaching commands: explain, solve, conv/pool by the numbers, quiz and grade.

Pure Python like the engine. Every sentence they print comes from one catalogue per language
(`lang_en`, `lang_zh`), looked up through `text.say`.
"""
