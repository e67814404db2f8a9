// A MobileNetV3-style inverted residual block and classifier tail in the
// braze dialect: 1x1 expansion, 3x3 depthwise, 1x1 projection, residual add,
// then flatten + transpose + matmul. Weights are splats to keep it readable.
func.func @mobilenet_v3_block(%x: tensor<1x16x28x28xf32>) -> tensor<1x10xf32> {
  %w_expand = braze.constant dense<0.01> : tensor<64x16x1x1xf32>
  %b_expand = braze.constant dense<0.1> : tensor<64xf32>
  %w_dw = braze.constant dense<0.02> : tensor<64x1x3x3xf32>
  %w_project = braze.constant dense<0.03> : tensor<16x64x1x1xf32>
  %w_fc = braze.constant dense<0.001> : tensor<10x12544xf32>

  %expand = braze.conv2d %x, %w_expand, %b_expand
      : (tensor<1x16x28x28xf32>, tensor<64x16x1x1xf32>, tensor<64xf32>) -> tensor<1x64x28x28xf32>
  %expand_act = braze.relu %expand : tensor<1x64x28x28xf32>
  %dw = braze.conv2d %expand_act, %w_dw {pads = array<i64: 1, 1, 1, 1>, group = 64}
      : (tensor<1x64x28x28xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x28x28xf32>
  %dw_act = braze.relu %dw : tensor<1x64x28x28xf32>
  %project = braze.conv2d %dw_act, %w_project
      : (tensor<1x64x28x28xf32>, tensor<16x64x1x1xf32>) -> tensor<1x16x28x28xf32>
  %residual = braze.add %project, %x
      : (tensor<1x16x28x28xf32>, tensor<1x16x28x28xf32>) -> tensor<1x16x28x28xf32>

  %flat = braze.reshape %residual : tensor<1x16x28x28xf32> -> tensor<1x12544xf32>
  %w_fc_t = braze.transpose %w_fc perm = [1, 0] : tensor<10x12544xf32> -> tensor<12544x10xf32>
  %logits = braze.matmul %flat, %w_fc_t
      : (tensor<1x12544xf32>, tensor<12544x10xf32>) -> tensor<1x10xf32>
  %scale = braze.constant dense<0.5> : tensor<10xf32>
  %scaled = braze.mul %logits, %scale
      : (tensor<1x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %scaled : tensor<1x10xf32>
}
