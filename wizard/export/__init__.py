"""What `flux-setup export` writes: Renovate's custom datasource and the catalogue snapshot a
repository commits, each built from a catalogue, and the one function that writes them."""
