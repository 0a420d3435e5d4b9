from grocery_scanner.cli.app import main

main()
