from examhall.cli import main

raise SystemExit(main())
