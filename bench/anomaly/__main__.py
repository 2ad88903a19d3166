"""`python -m bench.anomaly`: run the anomaly benchmark."""

from bench.anomaly.run import main

raise SystemExit(main())
