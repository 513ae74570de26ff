from opsroom.runtime.cli import main

main()
