from translate.cli.main import main

main()
