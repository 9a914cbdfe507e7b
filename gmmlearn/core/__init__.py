"""The bottom layer: what every other layer may use and that uses nothing of gmmlearn.

Registries with plug-in discovery (:mod:`.registry`), declared parameter constraints
(:mod:`.constraints`), input checks and the exceptions for bad input and for a method outside
its precondition (:mod:`.validation`), YAML 1.2 scalars (:mod:`.yaml12`), atomic writes
(:mod:`.atomic`), progress bars (:mod:`.progress`), stable seeds and digests (:mod:`.seeds`) and
the statistics every layer reports with (:mod:`.stats`).
"""
