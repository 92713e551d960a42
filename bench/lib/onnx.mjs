// A minimal ONNX (protobuf) writer for the denoising MLP: MatMul/Add/Sigmoid/Mul nodes with
// float32 initializers. Just enough of the wire format (varints, length-delimited fields) and
// of onnx.proto (ModelProto 7 graph, 8 opset_import; GraphProto 1 node, 2 name, 5 initializer,
// 11 input, 12 output; NodeProto 1 input, 2 output, 3 name, 4 op_type; TensorProto 1 dims,
// 2 data_type, 8 name, 9 raw_data; ValueInfoProto 1 name, 2 type) to build a model in memory.

function varint(value) {
  const out = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const tag = (field, wire) => varint((field << 3) | wire);
const int = (field, value) => Buffer.concat([tag(field, 0), varint(value)]);
const bytes = (field, buf) => Buffer.concat([tag(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, Buffer.concat(parts));

const FLOAT = 1;

function tensor(field, name, dims, data) {
  return msg(field, [
    ...dims.map((d) => int(1, d)),
    int(2, FLOAT),
    str(8, name),
    bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
  ]);
}

/** ValueInfoProto for a float tensor; a string dim is symbolic (dim_param). */
function valueInfo(field, name, dims) {
  const dim = (d) => msg(1, [typeof d === 'string' ? str(2, d) : int(1, d)]);
  const shape = msg(2, dims.map(dim));
  const tensorType = msg(1, [int(1, FLOAT), shape]);
  return msg(field, [str(1, name), msg(2, [tensorType])]);
}

function node(op, inputs, outputs, name) {
  return msg(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op)]);
}

/**
 * The MLP as an ONNX model: input "h0" [N, in0], per layer MatMul + Add, SiLU as
 * x * Sigmoid(x) on hidden layers, output "eps" [N, d].
 * layers: [{ in, out, weight: Float32Array(in*out, row-major in x out), bias: Float32Array(out) }]
 */
export function mlpOnnx(layers, { opset = 13 } = {}) {
  const nodes = [], inits = [];
  let h = 'h0';
  layers.forEach((L, l) => {
    const last = l === layers.length - 1;
    inits.push(tensor(5, `W${l}`, [L.in, L.out], L.weight), tensor(5, `b${l}`, [L.out], L.bias));
    nodes.push(node('MatMul', [h, `W${l}`], [`mm${l}`], `matmul${l}`));
    const z = last ? 'eps' : `z${l}`;
    nodes.push(node('Add', [`mm${l}`, `b${l}`], [z], `add${l}`));
    if (!last) {
      nodes.push(node('Sigmoid', [z], [`s${l}`], `sigmoid${l}`));
      nodes.push(node('Mul', [z, `s${l}`], [`a${l}`], `silu${l}`));
      h = `a${l}`;
    }
  });
  const graph = msg(7, [
    ...nodes,
    str(2, 'denoiser_mlp'),
    ...inits,
    valueInfo(11, 'h0', ['N', layers[0].in]),
    valueInfo(12, 'eps', ['N', layers[layers.length - 1].out]),
  ]);
  return Buffer.concat([int(1, 8), str(2, 'tabular-diffusion-bench'), graph, msg(8, [str(1, ''), int(2, opset)])]);
}
