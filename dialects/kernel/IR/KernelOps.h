//===- KernelOps.h - Ops of the kernel dialect ------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_KERNEL_IR_KERNELOPS_H
#define SMELT_DIALECTS_KERNEL_IR_KERNELOPS_H

#include "dialects/kernel/IR/KernelDialect.h"

#define GET_OP_CLASSES
#include "dialects/kernel/IR/KernelOps.h.inc"

#endif
