from wizard.cli import entry

entry()
