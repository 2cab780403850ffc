"""The command line: the only stage that knows about files, flags and progress bars.

    main        the `translate` group: the verb table (each verb imported when used,
                so `translate --help` stays fast), the one place a UserError
                becomes one line and an exit status, signals
    options     every option more than one verb takes, defined once
    <verb>.py   one module per verb: publish, review, models, glossary, export,
                import_, memory, evaluate, doctor, keys, sign, verify, bundle, cache, init
"""
