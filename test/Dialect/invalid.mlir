// Every verifier message of the braze dialect, one case per split.
// RUN: braze-opt %s -split-input-file -verify-diagnostics

func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{'braze.constant' op expected result type 'tensor<4xf32>' (from the operands and attributes), got 'tensor<3xf32>'}}
  %0 = "braze.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @dynamic_shape(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'braze.relu' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x4xf32>'}}
  %0 = braze.relu %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @relu_integer(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'braze.relu' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = braze.relu %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @relu_type_change(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{'braze.relu' op requires the same type for all operands and results}}
  %0 = "braze.relu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @conv_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects a rank-4 (N, C, H, W) input, got 'tensor<3x8x8xf32>'}}
  %0 = braze.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_filter_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x27xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects a rank-4 (M, C/group, kH, kW) filter, got 'tensor<4x27xf32>'}}
  %0 = braze.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x27xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_element_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op filter element type 'f16' differs from input element type 'f32'}}
  %0 = braze.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects 2 positive strides (h, w), got [0, 1]}}
  %0 = braze.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dilations(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects 2 positive dilations (h, w), got [1, 1, 1]}}
  %0 = braze.conv2d %x, %w {dilations = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects 4 non-negative pads (top, left, bottom, right), got [1, 1]}}
  %0 = braze.conv2d %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_group_positive(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects group >= 1, got 0}}
  %0 = braze.conv2d %x, %w {group = 0} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_channels_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op input channels (3) are not divisible by group (2)}}
  %0 = braze.conv2d %x, %w {group = 2} : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_filters_group(%x: tensor<1x4x8x8xf32>, %w: tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op filter count (5) is not divisible by group (2)}}
  %0 = braze.conv2d %x, %w {group = 2} : (tensor<1x4x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

func.func @conv_channels_per_group(%x: tensor<1x8x8x8xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op filter has 8 input channels per group, but the input has 8 channels in 8 group(s), i.e. 1 per group}}
  %0 = braze.conv2d %x, %w {group = 8} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'braze.conv2d' op expects a bias of type 'tensor<4xf32>' (one value per filter), got 'tensor<3xf32>'}}
  %0 = braze.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+1 {{'braze.conv2d' op dilated kernel height (5) exceeds the padded input height (4)}}
  %0 = braze.conv2d %x, %w {dilations = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @conv_result_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'braze.conv2d' op expected result type 'tensor<1x4x6x6xf32>' (from the operands and attributes), got 'tensor<1x4x8x8xf32>'}}
  %0 = braze.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @matmul_contracting(%a: tensor<4x5xf32>, %b: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{'braze.matmul' op contracting dimensions differ: lhs 4x5 has K = 5, rhs 4x6 has K = 4}}
  %0 = braze.matmul %a, %b : (tensor<4x5xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @matmul_batch(%a: tensor<2x4x5xf32>, %b: tensor<3x5x6xf32>) -> tensor<3x4x6xf32> {
  // expected-error @+1 {{'braze.matmul' op batch dimensions of 2x4x5 and 3x5x6 are not broadcast-compatible}}
  %0 = braze.matmul %a, %b : (tensor<2x4x5xf32>, tensor<3x5x6xf32>) -> tensor<3x4x6xf32>
  return %0 : tensor<3x4x6xf32>
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.matmul' op expects operands of rank >= 1, got 'tensor<f32>' and 'tensor<3xf32>'}}
  %0 = braze.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @matmul_rhs_transposed_contracting(%a: tensor<4x5xf32>, %b: tensor<5x6xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'braze.matmul' op contracting dimensions differ: lhs 4x5 has K = 5, rhs 5x6 has K = 6}}
  %0 = braze.matmul %a, %b rhs_transposed : (tensor<4x5xf32>, tensor<5x6xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @matmul_rhs_transposed_vector(%a: tensor<4x5xf32>, %v: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braze.matmul' op rhs_transposed needs a rhs of rank >= 2, got 'tensor<5xf32>'}}
  %0 = braze.matmul %a, %v rhs_transposed : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_element_types(%a: tensor<4x5xf32>, %b: tensor<5x6xf16>) -> tensor<4x6xf32> {
  // expected-error @+1 {{'braze.matmul' op operand element types differ: 'f32' vs 'f16'}}
  %0 = braze.matmul %a, %b : (tensor<4x5xf32>, tensor<5x6xf16>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'braze.add' op operand shapes 2x3 and 4 are not broadcast-compatible}}
  %0 = braze.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @mul_element_types(%a: tensor<3xf32>, %b: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.mul' op operand element types differ: 'f32' vs 'i32'}}
  %0 = braze.mul %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @add_result_shape(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.add' op expected result type 'tensor<2x3xf32>' (from the operands and attributes), got 'tensor<3xf32>'}}
  %0 = braze.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braze.reshape' op cannot reshape 6 elements ('tensor<2x3xf32>') into 4 ('tensor<4xf32>')}}
  %0 = braze.reshape %x : tensor<2x3xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) -> tensor<6xf16> {
  // expected-error @+1 {{'braze.reshape' op changes the element type from 'f32' to 'f16'}}
  %0 = braze.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return %0 : tensor<6xf16>
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3x4xf32>) -> tensor<2x2x4xf32> {
  // expected-error @+1 {{'braze.transpose' op perm [0, 0, 2] is not a permutation of the 3 input dimensions}}
  %0 = braze.transpose %x perm = [0, 0, 2] : tensor<2x3x4xf32> -> tensor<2x2x4xf32>
  return %0 : tensor<2x2x4xf32>
}

// -----

func.func @transpose_perm_length(%x: tensor<2x3x4xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'braze.transpose' op perm [1, 0] is not a permutation of the 3 input dimensions}}
  %0 = braze.transpose %x perm = [1, 0] : tensor<2x3x4xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'braze.transpose' op expected result type 'tensor<3x2xf32>' (from the operands and attributes), got 'tensor<2x3xf32>'}}
  %0 = braze.transpose %x perm = [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @relayout_changes_value(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x4xf32> {
  // expected-error @+1 {{'braze.relayout' op changes the logical type 'tensor<1x4x8x8xf32>' into 'tensor<1x8x8x4xf32>'; a relayout changes only the storage order}}
  %0 = braze.relayout %x : tensor<1x4x8x8xf32> -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

// expected-error @+1 {{#braze.layout<nhwc> applies to rank-4 (N, C, H, W) tensors, not rank 2}}
func.func @layout_rank(%x: tensor<4x4xf32, #braze.layout<nhwc>>) {
  return
}

// -----

func.func @layout_unsupported(%x: tensor<1x4x8x8xf32, #braze.layout<nhwc>>) -> tensor<1x256xf32> {
  // expected-error @+1 {{'braze.reshape' op operand #0 is stored as #braze.layout<nhwc>, but the op (layout group ild_fixed) works on logical nchw order only; convert with braze.relayout}}
  %0 = braze.reshape %x : tensor<1x4x8x8xf32, #braze.layout<nhwc>> -> tensor<1x256xf32>
  return %0 : tensor<1x256xf32>
}

// -----

// Blocked channels: groups must span whole blocks of 4 channels, a concat
// along C must fill whole blocks before its last input, a reduction must keep
// C; matmul indexes logical order only.
func.func @blocked_groups(%x: tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>, %w: tensor<6x3x1x1xf32>) {
  // expected-error @+1 {{'braze.conv2d' op operand #0 is stored as #braze.layout<nc4hw4>, but the op (layout group ild_variable) cannot work in that layout with these shapes and attributes; convert with braze.relayout}}
  %0 = braze.conv2d %x, %w {group = 2} : (tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>, tensor<6x3x1x1xf32>) -> tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>
  return
}

// -----

func.func @blocked_concat(%x: tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>) {
  // expected-error @+1 {{'braze.concat' op operand #0 is stored as #braze.layout<nc4hw4>, but the op (layout group ili_variable) cannot work in that layout}}
  %0 = braze.concat %x, %x axis = 1 : (tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>, tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>) -> tensor<1x12x4x4xf32, #braze.layout<nc4hw4>>
  return
}

// -----

func.func @blocked_reduce(%x: tensor<1x6x4x4xf32, #braze.layout<nc4hw4>>) {
  // expected-error @+1 {{'braze.reduce' op operand #0 is stored as #braze.layout<nc4hw4>, but the op (layout group ild_fixed) cannot work in that layout}}
  %0 = braze.reduce sum %x axes = [1] : tensor<1x6x4x4xf32, #braze.layout<nc4hw4>> -> tensor<1x1x4x4xf32, #braze.layout<nc4hw4>>
  return
}

// -----

func.func @matmul_layout(%x: tensor<1x4x4x4xf32, #braze.layout<nhwc>>, %m: tensor<4x4xf32>) {
  // expected-error @+1 {{'braze.matmul' op operand #0 is stored as #braze.layout<nhwc>, but the op (layout group ild_variable) works on logical nchw order only}}
  %0 = braze.matmul %x, %m : (tensor<1x4x4x4xf32, #braze.layout<nhwc>>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @unknown_layout(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{expected ::mlir::braze::Layout to be one of: nchw, nhwc, nc4hw4}}
  // expected-error @+1 {{failed to parse Braze_LayoutAttr parameter 'value'}}
  %0 = braze.relu %x : tensor<1x4x8x8xf32, #braze.layout<hwcn>>
  return
}

// -----

func.func @where_shapes(%c: tensor<2xi1>, %a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.where' op operand shapes 2 and 3 are not broadcast-compatible}}
  %0 = braze.where %c, %a, %a : (tensor<2xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @compare_result(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.compare' op result #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = braze.compare eq, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @batch_norm_vector(%x: tensor<1x4x2x2xf32>, %v: tensor<4xf32>, %m: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{'braze.batch_norm' op expects mean of type 'tensor<4xf32>', got 'tensor<3xf32>'}}
  %0 = braze.batch_norm %x, %v, %v, %m, %v : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @reduce_axes(%x: tensor<2x3x4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'braze.reduce' op axes [2, 1] must be sorted, unique and in [0, 3)}}
  %0 = braze.reduce sum %x axes = [2, 1] {keepdims = false} : tensor<2x3x4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'braze.softmax' op axis 2 is out of range for rank 2}}
  %0 = braze.softmax %x axis = 2 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<2x3xf32>, %s: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'braze.layer_norm' op scale and bias must broadcast to the normalized shape 3 of 'f32', got 'tensor<2xf32>'}}
  %0 = braze.layer_norm %x, %s {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @pool_kernel(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{'braze.pool2d' op expects a kernel of 2 positive sizes (h, w)}}
  %0 = braze.pool2d max %x kernel = [3] : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @pool_window(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error @+1 {{'braze.pool2d' op window height (3) exceeds the padded input (2)}}
  %0 = braze.pool2d avg %x kernel = [3, 3] : tensor<1x1x2x2xf32> -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @conv_transpose_filter(%x: tensor<1x4x2x2xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{'braze.conv_transpose2d' op filter 3x2x3x3 does not match input channels 4 in 1 group(s)}}
  %0 = braze.conv_transpose2d %x, %w : (tensor<1x4x2x2xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'braze.concat' op input #1 'tensor<3x3xf32>' does not match input #0 'tensor<2x3xf32>' outside axis 1}}
  %0 = braze.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @slice_bounds(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.slice' op dimension 0: start 2, size 3, step 1 leave the input extent 4}}
  %0 = braze.slice %x starts = [2] sizes = [3] steps = [1] : tensor<4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @pad_negative(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'braze.pad' op expects one non-negative low and high pad per dimension (1), got low [-1] and high [0]}}
  %0 = braze.pad %x low = [-1] high = [0] : tensor<4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_axis(%x: tensor<4xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'braze.gather' op axis 1 is out of range for rank 1}}
  %0 = braze.gather %x[%i] axis = 1 : (tensor<4xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @expand_shape(%x: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'braze.expand' op cannot broadcast 'tensor<3xf32>' to 'tensor<2x4xf32>'}}
  %0 = braze.expand %x : tensor<3xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @tile_repeats(%x: tensor<3xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'braze.tile' op expects one non-negative repeat per dimension (1), got [2, 1]}}
  %0 = braze.tile %x repeats = [2, 1] : tensor<3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @resize_channels(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'braze.resize' op resizes the last two dims of a rank-4 tensor; got 'tensor<1x2x4x4xf32>' -> 'tensor<1x3x8x8xf32>'}}
  %0 = braze.resize nearest %x coordinates = asymmetric : tensor<1x2x4x4xf32> -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resize_changes_layout(%x: tensor<1x2x4x4xf32, #braze.layout<nhwc>>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'braze.resize' op stores its result as nchw but reads nhwc; a resize keeps its input's layout (convert with braze.relayout)}}
  %0 = braze.resize nearest %x coordinates = asymmetric : tensor<1x2x4x4xf32, #braze.layout<nhwc>> -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

func.func @fused_yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braze.fused' op yields 'tensor<4xf32>', 'tensor<4xf32>' but the group's results are 'tensor<4xf32>'}}
  %0 = braze.fused <one_to_one> -> tensor<4xf32> {
    %a = braze.relu %x : tensor<4xf32>
    braze.yield %a, %a : tensor<4xf32>, tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fused_empty(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braze.fused' op holds no ops; a fused group has at least one member}}
  %0 = braze.fused <one_to_one> -> tensor<4xf32> {
    braze.yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fused_member(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = braze.fused <one_to_one> -> tensor<4xf32> {
    // expected-error @+1 {{'braze.constant' op cannot be a member of a fused group: members are braze ops with a mapping type, and groups do not nest}}
    %c = braze.constant dense<1.0> : tensor<4xf32>
    %a = braze.add %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    braze.yield %a : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @patterns_on_1x1(%x: tensor<1x2x4x4xf32>, %w: tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{has kernel_patterns but is not a dense 3x3 convolution (filter 1x1, group 1)}}
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["000010000"], channels = [0, 0]>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @patterns_channel_count(%x: tensor<1x2x4x4xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel_patterns gives patterns for 3 input channels, the filter has 2}}
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["000010000"], channels = [0, 0, 0]>} : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @patterns_bad_mask(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel_patterns library entry 0 is not a 9-character mask of 0s and 1s: "00001000"}}
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["00001000"], channels = [0]>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @patterns_unequal_taps(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel_patterns library entry 1 keeps 3 taps, entry 0 keeps 2}}
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["000011000", "010011000"], channels = [0]>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @patterns_unknown_pattern(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel_patterns channel 0 uses pattern 1, not one of the 1 library patterns (or -1, pruned)}}
  %y = braze.conv2d %x, %w {kernel_patterns = #braze.kernel_patterns<library = ["000011000"], channels = [1]>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @channel_blocks_on_3x3(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{has channel_blocks but is not a dense 1x1 convolution (filter 3x3, group 1)}}
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 1, group = 1, kept = [0, 1]>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @channel_blocks_not_dividing(%x: tensor<1x4x4x4xf32>, %w: tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{channel_blocks of 2 filters and 2 channels do not divide the filter's 3 filters and 4 channels}}
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 1]>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

func.func @channel_blocks_uneven(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+1 {{channel_blocks keeps 3 groups in all, not the same number in each of the 2 blocks}}
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 1, 1]>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @channel_blocks_bad_group(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+1 {{channel_blocks block 1 keeps groups [1, 1], not ascending indices of the 2 groups}}
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 2, group = 2, kept = [0, 1, 1, 1]>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

func.func @channel_blocks_zero_block(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+1 {{channel_blocks needs block >= 1 and group >= 1, got block = 0, group = 2}}
  %y = braze.conv2d %x, %w {channel_blocks = #braze.channel_blocks<block = 0, group = 2, kept = [0]>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}
