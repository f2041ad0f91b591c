"""Checks exported ONNX files with the onnx package (Debian's python3-onnx), in one process.

usage: python3 onnx_check.py LIST.json
LIST.json: [{"file": "model.onnx", "shapes": {"tensor name": ["float32", [2, 8, 97]], ...}}, ...]
where "shapes" is what our IR declared for every node output. For each file this runs
onnx.checker.check_model(full_check=True) and strict, type-checked shape inference, then compares
every inferred tensor's element type and dimensions with the declared ones, and looks for
initialisers that no node reads.
Prints one JSON object: {"onnx": version, "results": [{"file", "errors": [...]}]}.
"""
import json
import sys

import onnx

ELEM = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64", onnx.TensorProto.BOOL: "bool"}


def dims(value_info):
    t = value_info.type.tensor_type
    shape = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim] if t.HasField("shape") else None
    return ELEM.get(t.elem_type, str(t.elem_type)), shape


def check(path, declared):
    errors = []
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # the checker's own message says what is wrong
        errors.append("check_model: " + str(e).strip()[:500])
    used = {name for node in model.graph.node for name in node.input} | {o.name for o in model.graph.output}
    unused = [i.name for i in model.graph.initializer if i.name not in used]
    if unused:  # onnxruntime warns about each one on every session
        errors.append("initialisers no node reads: " + ", ".join(unused[:5]))
    try:
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except Exception as e:
        errors.append("infer_shapes: " + str(e).strip()[:500])
        return errors
    # Again with the outputs' declared shapes removed, so that every shape compared below is inferred.
    for out in model.graph.output:
        out.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    g = inferred.graph
    found = {v.name: dims(v) for v in list(g.value_info) + list(g.output) + list(g.input)}
    for name, (dtype, shape) in declared.items():
        if name not in found:
            errors.append(f"{name}: no inferred shape (declared {dtype} {shape})")
        elif list(found[name]) != [dtype, shape]:
            errors.append(f"{name}: inferred {found[name][0]} {found[name][1]}, declared {dtype} {shape}")
    return errors


def main():
    with open(sys.argv[1]) as f:
        files = json.load(f)
    results = [{"file": item["file"], "errors": check(item["file"], item["shapes"])} for item in files]
    print(json.dumps({"onnx": onnx.__version__, "results": results}))


if __name__ == "__main__":
    main()
