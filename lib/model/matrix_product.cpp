#include "model/matrix_product.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "model/cpu_features.hpp"

namespace achrome {

namespace {

constexpr int64_t kLanes = 16;

// Multiply-adds per parallel task: a training batch's products run on one thread, where a fork and
// join would cost more than the work.
constexpr int64_t kMultiplyAddsPerTask = 1 << 20;

// An operand read in place: entry (i, j) at data[i * row_stride + j * col_stride].
struct Operand {
  const float* data;
  int64_t row_stride, col_stride;
};

// What happens to each output on its way to memory: plus a bias per output row, then ReLU; or added
// to what the output already holds.
struct Epilogue {
  const float* row_bias = nullptr;
  bool relu = false;
  bool accumulate = false;
};

// The right operand's columns in panels of NV * 16, each stored k-major ([K, NV * 16], zero beyond N),
// so that the kernel reads one panel row per k with NV whole-vector loads.
void pack_panels(const Operand& b, int64_t k_size, int64_t n_size, int64_t width, float* packed) {
  const int64_t panels = (n_size + width - 1) / width;
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = p * width, columns = std::min(width, n_size - j0);
    float* panel = packed + p * k_size * width;
    for (int64_t k = 0; k < k_size; ++k) {
      float* row = panel + k * width;
      const float* source = b.data + k * b.row_stride + j0 * b.col_stride;
      if (b.col_stride == 1) {
        std::memcpy(row, source, columns * sizeof(float));
      } else {
        for (int64_t j = 0; j < columns; ++j) row[j] = source[j * b.col_stride];
      }
      std::fill(row + columns, row + width, 0.0f);
    }
  }
}

// One MR x (NV * 16) block of the output: MR rows of a, each entry broadcast from memory, against
// one packed panel. The accumulators (MR * NV <= 24 registers) stay in registers for the whole k loop.
// Rows beyond `rows` are computed from valid memory (the caller pads the last block) and not stored.
template <int NV, int MR>
__attribute__((target("avx512f"))) void block_avx512(const float* a, int64_t a_row, int64_t a_col,
                                                     const float* panel, int64_t k_size, float* c, int64_t c_row,
                                                     int64_t rows, int64_t columns, const Epilogue& epilogue) {
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  const float* ak = a;
  const float* bk = panel;
  for (int64_t k = 0; k < k_size; ++k, ak += a_col, bk += NV * kLanes) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(bk + v * kLanes);
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) {
      const __m512 s = _mm512_set1_ps(ak[r * a_row]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(s, b[v], acc[r][v]);
    }
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int64_t lanes = std::clamp<int64_t>(columns - v * kLanes, 0, kLanes);
    mask[v] = static_cast<__mmask16>((1u << lanes) - 1u);
  }
  // ReLU keeps a value unless it is below zero (NaN passes, as in torch::relu).
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 value = acc[r][v];
      if (epilogue.row_bias) value = _mm512_add_ps(value, _mm512_set1_ps(epilogue.row_bias[r]));
      if (epilogue.relu) value = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(value, zero, _CMP_NLT_UQ), value);
      if (epilogue.accumulate)
        value = _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], c + r * c_row + v * kLanes), value);
      _mm512_mask_storeu_ps(c + r * c_row + v * kLanes, mask[v], value);
    }
  }
}

// c [M, N] (row stride c_row, contiguous rows) = a [M, K] b [K, N] through the epilogue.
template <int NV, int MR>
__attribute__((target("avx512f"))) void product_avx512(int64_t m_size, int64_t n_size, int64_t k_size,
                                                       const Operand& a, const Operand& b, float* c, int64_t c_row,
                                                       const Epilogue& epilogue) {
  constexpr int64_t width = NV * kLanes;
  const int64_t panels = (n_size + width - 1) / width;
  // Not zero-filled first: pack_panels writes every entry, padding included (a cleared 400 kB panel
  // of a convolution's filter gradient cost as much as packing it).
  const std::unique_ptr<float[]> packed(new float[static_cast<size_t>(panels * k_size * width)]);
  pack_panels(b, k_size, n_size, width, packed.get());
  const int64_t blocks = (m_size + MR - 1) / MR;
  const int64_t grain = std::max<int64_t>(1, kMultiplyAddsPerTask / std::max<int64_t>(1, MR * width * k_size));
  at::parallel_for(0, panels * blocks, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> padded;  // the last block's rows, zero-padded to MR, when M is not a multiple
    for (int64_t index = begin; index < end; ++index) {
      // Row block by row block, each against every panel: the block's output rows are written (or, for
      // a gradient, read and written) front to back, in whole rows, instead of one panel's columns of
      // every row at a time, a stride the cache's prefetcher follows worse; a block's rows of a stay in L1.
      const int64_t p = index % panels, i0 = (index / panels) * MR;
      const int64_t rows = std::min<int64_t>(MR, m_size - i0), columns = std::min(width, n_size - p * width);
      const float* a_block = a.data + i0 * a.row_stride;
      int64_t a_row = a.row_stride, a_col = a.col_stride;
      if (rows < MR) {
        padded.assign(static_cast<size_t>(MR * k_size), 0.0f);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t k = 0; k < k_size; ++k) padded[r * k_size + k] = a_block[r * a_row + k * a_col];
        a_block = padded.data();
        a_row = k_size;
        a_col = 1;
      }
      Epilogue block_epilogue = epilogue;
      if (epilogue.row_bias) block_epilogue.row_bias = epilogue.row_bias + i0;
      block_avx512<NV, MR>(a_block, a_row, a_col, packed.get() + p * k_size * width, k_size,
                           c + i0 * c_row + p * width, c_row, rows, columns, block_epilogue);
    }
  });
}

// Panels as wide as N needs, up to 64 columns, and as many rows as keep 24 accumulators.
void product(int64_t m_size, int64_t n_size, int64_t k_size, const Operand& a, const Operand& b, float* c,
             int64_t c_row, const Epilogue& epilogue) {
  if (n_size <= 16) return product_avx512<1, 24>(m_size, n_size, k_size, a, b, c, c_row, epilogue);
  if (n_size <= 32) return product_avx512<2, 12>(m_size, n_size, k_size, a, b, c, c_row, epilogue);
  if (n_size <= 48) return product_avx512<3, 8>(m_size, n_size, k_size, a, b, c, c_row, epilogue);
  return product_avx512<4, 6>(m_size, n_size, k_size, a, b, c, c_row, epilogue);
}

bool own_kernel(const torch::Tensor& a, const torch::Tensor& b) {
  return vector_math::cpu_has_avx512() && a.device().is_cpu() && b.device().is_cpu() &&
         a.scalar_type() == torch::kFloat32 && b.scalar_type() == torch::kFloat32;
}

Operand operand(const torch::Tensor& t) { return {t.data_ptr<float>(), t.stride(-2), t.stride(-1)}; }

// The gradient at the layer's pre-activation, g [out, B] contiguous, from the output's gradient in
// whatever layout it arrives ([B, out], any strides): zero where ReLU was off. Also sums each row into
// the bias's gradient. One pass instead of a transposed copy, a comparison, a fill and a sum.
torch::Tensor pre_activation_gradient(const torch::Tensor& grad, const torch::Tensor& out_t, bool relu,
                                      torch::Tensor& grad_bias) {
  const int64_t outputs = out_t.size(0), batch = out_t.size(1);
  auto g = torch::empty({outputs, batch}, out_t.options());
  grad_bias = torch::empty({outputs}, out_t.options());
  const float* source = grad.data_ptr<float>();  // float32, as the layer's output
  const int64_t stride_b = grad.stride(0), stride_n = grad.stride(1);
  const float* out = out_t.data_ptr<float>();
  float* target = g.data_ptr<float>();
  float* bias = grad_bias.data_ptr<float>();
  for (int64_t n = 0; n < outputs; ++n) {
    float sum = 0.0f;
    for (int64_t b = 0; b < batch; ++b) {
      const float value = source[b * stride_b + n * stride_n];
      const float kept = relu && out[n * batch + b] <= 0.0f ? 0.0f : value;  // as ReLU's threshold_backward
      target[n * batch + b] = kept;
      sum += kept;
    }
    bias[n] = sum;
  }
  return g;
}

// Whether `grad` can take a [rows, columns] product in place: a contiguous float32 CPU tensor.
bool writable_gradient(const torch::Tensor& grad, int64_t rows, int64_t columns) {
  return grad.defined() && grad.device().is_cpu() && grad.scalar_type() == torch::kFloat32 && grad.dim() == 2 &&
         grad.size(0) == rows && grad.size(1) == columns && grad.is_contiguous();
}

class DenseFunction : public torch::autograd::Function<DenseFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, bool relu) {
    const int64_t batch = x.size(0), outputs = weight.size(0), inputs = weight.size(1);
    const auto weight_c = weight.contiguous(), bias_c = bias.contiguous();
    // out^T [out, B] = W x^T: the batch along the lanes, the weight's rows broadcast.
    auto out_t = torch::empty({outputs, batch}, x.options());
    Epilogue epilogue;
    epilogue.row_bias = bias_c.data_ptr<float>();
    epilogue.relu = relu;
    product(outputs, batch, inputs, operand(weight_c), {x.data_ptr<float>(), x.stride(1), x.stride(0)},
            out_t.data_ptr<float>(), batch, epilogue);
    ctx->save_for_backward({x, weight_c, out_t});
    ctx->saved_data["relu"] = relu;
    // The parameter itself (not a saved copy): backward may add its gradient straight into weight.grad().
    ctx->saved_data["weight"] = weight;
    return out_t.t();
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &out_t = saved[2];
    const bool relu = ctx->saved_data["relu"].toBool();
    const int64_t batch = x.size(0), outputs = weight.size(0), inputs = weight.size(1);
    torch::Tensor grad_bias;
    const auto g = pre_activation_gradient(grad_outputs[0], out_t, relu, grad_bias);  // [out, B]
    const Operand g_op = {g.data_ptr<float>(), batch, 1};
    // dW [out, in] = g x. When the weight already holds a gradient buffer (the trainer zeroes its
    // gradients in place before each batch), the product is added into it as it is written, and no
    // gradient is returned: autograd's accumulation would otherwise make a second pass over the
    // layer's largest array (as Megatron-LM's fused gradient accumulation does). Gradients that
    // autograd::grad asks for only (saliency) leave weight.grad() alone: needs_input_grad is false.
    torch::Tensor grad_weight;
    if (ctx->needs_input_grad(1)) {
      auto parameter = ctx->saved_data["weight"].toTensor();
      auto& buffer = parameter.mutable_grad();
      Epilogue epilogue;
      float* target;
      if (!torch::GradMode::is_enabled() && writable_gradient(buffer, outputs, inputs)) {
        epilogue.accumulate = true;
        target = buffer.data_ptr<float>();
      } else {
        grad_weight = torch::empty({outputs, inputs}, weight.options());
        target = grad_weight.data_ptr<float>();
      }
      product(outputs, inputs, batch, g_op, operand(x), target, inputs, epilogue);
    }
    if (!ctx->needs_input_grad(2)) grad_bias = torch::Tensor();
    torch::Tensor grad_x;
    if (ctx->needs_input_grad(0)) {
      // dx^T [in, B] = W^T g.
      auto grad_x_t = torch::empty({inputs, batch}, x.options());
      product(inputs, batch, outputs, {weight.data_ptr<float>(), 1, inputs}, g_op, grad_x_t.data_ptr<float>(), batch,
              {});
      grad_x = grad_x_t.t();
    }
    return {grad_x, grad_weight, grad_bias, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor matrix_product(const torch::Tensor& a, const torch::Tensor& b) {
  TORCH_CHECK((a.dim() == 2 && b.dim() == 2) || (a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0)),
              "matrix_product: [M, K] x [K, N] or [G, M, K] x [G, K, N]");
  TORCH_CHECK(a.size(-1) == b.size(-2), "matrix_product: inner sizes differ");
  if (!own_kernel(a, b)) return torch::matmul(a, b).contiguous();
  const int64_t m_size = a.size(-2), k_size = a.size(-1), n_size = b.size(-1);
  if (a.dim() == 2) {
    auto c = torch::empty({m_size, n_size}, a.options());
    product(m_size, n_size, k_size, operand(a), operand(b), c.data_ptr<float>(), n_size, {});
    return c;
  }
  auto c = torch::empty({a.size(0), m_size, n_size}, a.options());
  // Each group's operands by pointer (a tensor view per group would be ATen calls per product).
  const Operand a_all = operand(a), b_all = operand(b);
  for (int64_t g = 0; g < a.size(0); ++g) {
    const Operand ag = {a_all.data + g * a.stride(0), a_all.row_stride, a_all.col_stride};
    const Operand bg = {b_all.data + g * b.stride(0), b_all.row_stride, b_all.col_stride};
    product(m_size, n_size, k_size, ag, bg, c.data_ptr<float>() + g * m_size * n_size, n_size, {});
  }
  return c;
}

torch::Tensor dense_layer(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool relu) {
  TORCH_CHECK(x.dim() == 2 && weight.dim() == 2 && bias.dim() == 1 && x.size(1) == weight.size(1) &&
                  bias.size(0) == weight.size(0),
              "dense_layer: x [B, in], weight [out, in], bias [out]");
  if (!own_kernel(x, weight) || x.size(0) == 0) {
    auto out = torch::nn::functional::linear(x, weight, bias);
    return relu ? torch::relu(out) : out;
  }
  return DenseFunction::apply(x, weight, bias, relu);
}

}  // namespace achrome
