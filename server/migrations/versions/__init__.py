"""One module per schema revision, applied in order by `patrol-server db upgrade`."""
