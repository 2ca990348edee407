/* A stand-in for libcudnn (see fake_cuda.c) that refuses every convolution
 * descriptor (CUDNN_STATUS_NOT_SUPPORTED), as cuDNN does for shapes it has no
 * algorithm for: the driver must then run the generated kernel. */
static int object;
int cudnnCreate(void **x) { *x = &object; return 0; }
int cudnnDestroy(void *x) { (void)x; return 0; }
int cudnnSetStream(void *x, void *stream) { (void)x; (void)stream; return 0; }
const char *cudnnGetErrorString(int status) {
  return status == 9 ? "CUDNN_STATUS_NOT_SUPPORTED" : "CUDNN_STATUS_UNKNOWN";
}
int cudnnCreateTensorDescriptor(void **x) { *x = &object; return 0; }
int cudnnSetTensor4dDescriptor(void) { return 0; }
int cudnnDestroyTensorDescriptor(void *x) { (void)x; return 0; }
int cudnnCreateFilterDescriptor(void **x) { *x = &object; return 0; }
int cudnnSetFilter4dDescriptor(void) { return 0; }
int cudnnDestroyFilterDescriptor(void *x) { (void)x; return 0; }
int cudnnCreateConvolutionDescriptor(void **x) { *x = &object; return 0; }
int cudnnSetConvolution2dDescriptor(void) { return 9; }
int cudnnSetConvolutionGroupCount(void) { return 0; }
int cudnnSetConvolutionMathType(void) { return 0; }
int cudnnGetConvolution2dForwardOutputDim(void) { return 0; }
int cudnnDestroyConvolutionDescriptor(void *x) { (void)x; return 0; }
int cudnnGetConvolutionForwardAlgorithm_v7(void) { return 0; }
int cudnnGetConvolutionForwardWorkspaceSize(void) { return 0; }
int cudnnConvolutionForward(void) { return 0; }
int cudnnAddTensor(void) { return 0; }
int cudnnCreateActivationDescriptor(void **x) { *x = &object; return 0; }
int cudnnSetActivationDescriptor(void) { return 0; }
int cudnnActivationForward(void) { return 0; }
int cudnnDestroyActivationDescriptor(void *x) { (void)x; return 0; }
