#!/bin/sh
# usage: bench/gen.sh N > plain.yaml — a store-like document with N leaf
# keys: apps with env mappings, a few block scalars and comments.
n=${1:?usage: gen.sh N}
awk -v n="$n" 'BEGIN {
	srand(42); k = 0; app = 0
	print "# generated benchmark store"
	while (k < n) {
		printf "app%d:\n  env:\n", app
		for (j = 0; j < 8 && k < n; j++) {
			printf "    VAR_%d: value-%d-%08x\n", j, k, int(rand() * 2147483647); k++
		}
		if (k < n) { printf "  tls.key: |\n    -----BEGIN KEY-----\n    %08x%08x\n    -----END KEY-----\n", int(rand() * 2147483647), k; k++ }
		if (k < n) { printf "  password: pw-%d   # rotated yearly\n", k; k++ }
		app++
	}
}'
