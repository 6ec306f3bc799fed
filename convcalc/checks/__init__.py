"""`convcalc check`: specs as a CI gate (a package named `checks` so that `convcalc.check`, the API
function, is not shadowed by it).

    discover     PATHs (files, directories, globs) -> the YAML files to check, explicit or found
    amounts      human numbers: 25M, 4.1G, 2GiB, 1.5e9, 25_557_032
    constraints  `constraints:` sections, budget files and flags -> `Constraints` (with spans)
    evaluate     `Constraints` against a `Report` -> one `Verdict` per constraint
    run          one file end to end (read, parse, analyse, evaluate) -> `FileResult`; all files -> `CheckRun`
    diff         two reports -> `SpecDiff` (what a change to a spec did)

Everything here returns data; `convcalc.render.check_*` formats it and only the CLI prints.
"""
