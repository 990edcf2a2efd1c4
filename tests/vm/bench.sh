#!/bin/sh
# Placeholder: the kcr benchmark is not written yet.  No figures are produced.
echo "bench: not implemented yet"
exit 1
