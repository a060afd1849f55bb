package local

import "syscall"

var errAddrInUseSyscall = syscall.EADDRINUSE
