// SPDX-License-Identifier: GPL-2.0
/*
 * mktree [options] < IMAGE
 *
 * The mktree command: the restart tool under the name of the part that
 * builds the process tree.  "mktree --dry-run < IMAGE" prints the plan
 * (who creates whom, with which pids at each level and clone flags, the
 * setsid/setpgid steps and the helper processes); "mktree --probe" builds
 * the tree and checks it against the image without restarting; and
 * "mktree [options] < IMAGE" builds the tree and runs the restart exactly
 * like restart, with the same options.  See restart.c and mktree.c.
 */
int restart_main(int argc, char **argv, const char *prog);

int main(int argc, char **argv)
{
	return restart_main(argc, argv, "mktree");
}
