"""Supervisors' figures (docs/metrics.md): the rollups kept by the change points
(`rollup`, from each record's `parts`), rebuilt and verified from the raw rows
(`rebuild`), and read as figures for a range of local days (`figures`)."""
