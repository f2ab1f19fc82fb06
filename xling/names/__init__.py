"""Names across scripts: Arabic normalization and clitics, phonetic skeletons, the CLDR/curated lexicon."""
