/* LD_PRELOAD shim: flock(2) as NFSv3 without statd answers it (ENOLCK), so that the tests can run the sweep's
 * trial locking on a "file system without flock" (tests/orchestrator/sweep_process_test.cc). */
#include <errno.h>
#include <sys/file.h>

int flock(int fd, int operation) {
  (void)fd;
  (void)operation;
  errno = ENOLCK;
  return -1;
}
