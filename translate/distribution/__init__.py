"""Distribution: what readers and partners get, and how they check it.

    signing        Ed25519 keys and signatures in the minisign format
    signed_folder  an article's SHA256SUMS signed; a folder or bundle verified against it
    bundle         reproducible zips of the signed PDFs, with a README per language
"""
