from vos_cli.cli import main

main()
