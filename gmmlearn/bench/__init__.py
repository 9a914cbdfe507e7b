"""Running cells: what a cell is (:mod:`.cell`), one replicate of it in a forked process
(:mod:`.experiment`, :mod:`.forked`), sweep configs expanded into cells (:mod:`.sweeps`), where
rows were computed (:mod:`.provenance`) and the SLURM pre-flight check (:mod:`.slurm`)."""
