package formats

import "syscall"

const oNoATime = syscall.O_NOATIME
