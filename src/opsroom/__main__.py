from opsroom.cli import main

main()
