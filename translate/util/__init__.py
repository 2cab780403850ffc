"""What belongs to no stage.

    files      writing files so that a crash never leaves a half-written one; locks
    signals    how a run ends when SIGTERM, SIGHUP or a closed pipe ends it
    untrusted  the one rule for untrusted strings on pages, in file names, on terminals
    textfile   decoding a text file a user wrote (UTF-8, one line naming a bad byte)
    heavy      the heavy third-party libraries, imported on first use, only there
"""
