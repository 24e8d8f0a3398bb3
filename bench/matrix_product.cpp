// The matrix-product shapes of the convolutional models' training and scoring, achrome's AVX-512 kernel
// (lib/model/matrix_product.cpp) against ATen's matmul (Debian's OpenBLAS) on the same operands, one
// thread: microseconds per product, GFLOP/s, and the largest difference between the two results.
//
//   cmake --build build --target achrome_model achrome_util
//   g++ -O2 -std=gnu++17 -I lib -isystem /usr/include/torch/csrc/api/include bench/matrix_product.cpp \
//     build/lib/model/libachrome_model.a build/lib/util/libachrome_util.a -ltorch -ltorch_cpu -lc10 -lfmt \
//     -lgomp -o /tmp/matrix_product && /tmp/matrix_product
//
// Compare with bench/cpu_peak.c's FMA peak of the core.
#include <chrono>
#include <cstdio>

#include <torch/torch.h>

#include "model/matrix_product.hpp"

namespace {

template <typename Work>
double seconds_per_call(Work work, int calls) {
  work();  // warm the caches and the packing buffers
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
}

void compare(const char* shape, const torch::Tensor& a, const torch::Tensor& b) {
  const double multiply_adds = static_cast<double>(a.size(-2)) * a.size(-1) * b.size(-1) * (a.dim() == 3 ? a.size(0) : 1);
  const double ours = seconds_per_call([&] { achrome::matrix_product(a, b); }, 300);
  const double aten = seconds_per_call([&] { torch::matmul(a, b).contiguous(); }, 300);
  const double difference = (achrome::matrix_product(a, b) - torch::matmul(a, b)).abs().max().item<double>();
  std::printf("| %s | %.1f us, %.0f GFLOP/s | %.1f us, %.0f GFLOP/s | %.2fx | %.1e |\n", shape, ours * 1e6,
              2 * multiply_adds / ours / 1e9, aten * 1e6, 2 * multiply_adds / aten / 1e9, aten / ours, difference);
}

}  // namespace

int main() {
  torch::set_num_threads(1);
  torch::manual_seed(1);
  std::printf("| product (M x K x N) | achrome | ATen (OpenBLAS) | ATen / achrome | max difference |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  // DeepChrome's first dense layer, 900 -> 625, for a training batch of 16 and a scoring batch of 256.
  const auto weight = torch::randn({625, 900}), batch = torch::randn({16, 900}), gradient = torch::randn({625, 16});
  compare("dense forward W x^T, 625 x 900 x 16", weight, batch.t());
  compare("dense weight gradient g x, 625 x 16 x 900", gradient, batch);
  compare("dense input gradient W^T g, 900 x 625 x 16", weight.t(), gradient);
  compare("dense scoring W x^T, 625 x 900 x 256", weight, torch::randn({256, 900}).t());
  // A convolution of 50 filters over 5 marks x 10 bins (cnn-attn), 16 genes x 100 bins of windows.
  const auto windows = torch::randn({1, 1600, 50}), filters = torch::randn({1, 50, 50});
  compare("convolution windows x filters, 1600 x 50 x 50", windows, filters);
  compare("convolution filter gradient, 50 x 1600 x 50", windows.transpose(1, 2), torch::randn({1, 1600, 50}));
  // cnn-alpha-beta: five one-mark convolutions (10 bins) of 50 filters.
  compare("5 one-mark convolutions, 5 x (1600 x 10 x 50)", torch::randn({5, 1600, 10}), torch::randn({5, 10, 50}));
  return 0;
}
