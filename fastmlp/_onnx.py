"""ONNX export: fastmlp's estimators as skl2onnx converters.

skl2onnx finds a converter by the estimator's exact class, so its converters
for scikit-learn's MLPs do not apply to fastmlp's; :func:`register_onnx_converters`
registers fastmlp's three estimators with it, after which
``skl2onnx.to_onnx`` / ``convert_sklearn`` export them alone or inside a
Pipeline, with the output names, types and options (``zipmap``) of
scikit-learn's MLPs.  The graph is the network itself: per layer a MatMul, an
Add and the activation, for every activation fastmlp has (hardtanh as Clip,
the Poisson output as Exp, which skl2onnx's own MLP converter lacks);
classifiers then give labels and probabilities as skl2onnx does for
scikit-learn's MLPClassifier, HingeMLPClassifier labels and its class
scores, MLPRegressor one column per output.
"""

import numpy as np

_ACTIVATIONS = {"identity": "Identity", "logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu",
                "softmax": "Softmax", "exp": "Exp"}


def register_onnx_converters() -> None:
    """Register MLPClassifier, MLPRegressor and HingeMLPClassifier with skl2onnx.

    Call once per process before converting; afterwards
    ``skl2onnx.to_onnx(model, X[:1])`` exports a fitted fastmlp model (or a
    Pipeline holding one).  Needs the ``onnx`` extra
    (``pip install fastmlp[onnx]``: skl2onnx, and onnxruntime to run the result).

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    """
    try:
        from skl2onnx import update_registered_converter
        from skl2onnx.common.data_types import Int64TensorType
        from skl2onnx.common.shape_calculator import (
            calculate_linear_classifier_output_shapes,
            calculate_linear_regressor_output_shapes,
        )
    except ImportError as error:
        raise ImportError("ONNX export needs skl2onnx: pip install 'fastmlp[onnx]'") from error
    from ._classifier import MLPClassifier
    from ._hinge import HingeMLPClassifier
    from ._regressor import MLPRegressor

    def regressor_shapes(operator):
        calculate_linear_regressor_output_shapes(operator)
        n = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type.shape = [n, operator.raw_operator.n_outputs_]

    def classifier_shapes(operator):
        """skl2onnx's shapes for a classifier's label and probabilities, except:
        a multilabel target's label is its indicator row, and the hinge's
        second output (and a multilabel one's) has one column per output unit."""
        calculate_linear_classifier_output_shapes(operator)
        n, model = operator.inputs[0].get_first_dimension(), operator.raw_operator
        if model._label_binarizer.y_type_ == "multilabel-indicator":
            operator.outputs[0].type = Int64TensorType(shape=[n, model.n_outputs_])
        if model._label_binarizer.y_type_ != "binary" or model.out_activation_ == "identity":
            operator.outputs[1].type.shape = [n, model.n_outputs_]

    for estimator in (MLPClassifier, HingeMLPClassifier):
        update_registered_converter(estimator, f"Fastmlp{estimator.__name__}", classifier_shapes,
                                    _convert_classifier,
                                    options={"zipmap": [True, False, "columns"],
                                             "nocl": [True, False]})
    update_registered_converter(MLPRegressor, "FastmlpMLPRegressor", regressor_shapes,
                                _convert_regressor)


def _network(scope, operator, container):
    """The forward pass as ONNX nodes; returns the output layer's name and the
    float type the graph computes in (double for double input, else float)."""
    from skl2onnx.common._apply_operation import apply_add, apply_cast, apply_clip
    from skl2onnx.common.data_types import guess_proto_type
    from skl2onnx.proto import onnx_proto

    model = operator.raw_operator
    proto = guess_proto_type(operator.inputs[0].type)
    if proto != onnx_proto.TensorProto.DOUBLE:
        proto = onnx_proto.TensorProto.FLOAT
    dtype = np.float64 if proto == onnx_proto.TensorProto.DOUBLE else np.float32
    current = scope.get_unique_variable_name("cast_input")
    apply_cast(scope, operator.inputs[0].full_name, current, container, to=proto)
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        names = {k: scope.get_unique_variable_name(k) for k in ("coef", "intercept", "product",
                                                                 "layer")}
        container.add_initializer(names["coef"], proto, W.shape, W.astype(dtype).ravel())
        container.add_initializer(names["intercept"], proto, [1, b.size], b.astype(dtype))
        container.add_node("MatMul", [current, names["coef"]], names["product"],
                           name=scope.get_unique_operator_name("MatMul"))
        apply_add(scope, [names["product"], names["intercept"]], names["layer"], container,
                  broadcast=1)
        last = layer == len(model.coefs_) - 1
        activation = model.out_activation_ if last else model.activation
        current = scope.get_unique_variable_name("activation")
        if activation == "hardtanh":
            apply_clip(scope, names["layer"], current, container, min=dtype(-1), max=dtype(1))
        else:
            op = _ACTIVATIONS[activation]
            container.add_node(op, names["layer"], current, name=scope.get_unique_operator_name(op))
    return current, proto


def _convert_regressor(scope, operator, container):
    from skl2onnx.common._apply_operation import apply_reshape

    output, _ = _network(scope, operator, container)
    apply_reshape(scope, output, operator.outputs[0].full_name, container,
                  desired_shape=(-1, operator.raw_operator.n_outputs_))


def _convert_classifier(scope, operator, container):
    """Labels and probabilities (log-loss) or class scores (hinge), as
    ``predict`` and ``predict_proba`` / ``decision_function`` give them."""
    from skl2onnx.common._apply_operation import (
        apply_cast,
        apply_concat,
        apply_identity,
        apply_reshape,
        apply_sub,
    )
    from skl2onnx.proto import onnx_proto

    model = operator.raw_operator
    output, proto = _network(scope, operator, container)
    hinge = model.out_activation_ == "identity"
    y_type = model._label_binarizer.y_type_
    second = operator.outputs[1].full_name
    if y_type == "binary" and not hinge:  # P(negative) = 1 − P(positive)
        one, negative = scope.get_unique_variable_name("one"), scope.get_unique_variable_name("neg")
        container.add_initializer(one, proto, [], [1])
        apply_sub(scope, [one, output], negative, container, broadcast=1)
        apply_concat(scope, [negative, output], second, container, axis=1)
    else:
        apply_identity(scope, output, second, container)
    if y_type != "multiclass":  # a positive label per output unit above the model's threshold
        threshold, positive = (scope.get_unique_variable_name(k) for k in ("threshold", "positive"))
        container.add_initializer(threshold, proto, [], [model._decision_threshold])
        container.add_node("Greater", [output, threshold], positive,
                           name=scope.get_unique_operator_name("Greater"))
        if y_type != "binary":  # multilabel: the indicator matrix
            apply_cast(scope, positive, operator.outputs[0].full_name, container,
                       to=onnx_proto.TensorProto.INT64)
            return
        index = scope.get_unique_variable_name("index")
        apply_cast(scope, positive, index, container, to=onnx_proto.TensorProto.INT64)
    else:
        index = scope.get_unique_variable_name("index")
        container.add_node("ArgMax", output, index, axis=1,
                           name=scope.get_unique_operator_name("ArgMax"))
    classes = model.classes_
    if scope.get_options(model, dict(nocl=False))["nocl"]:  # class indices instead of labels
        classes = np.arange(classes.size)
    if classes.dtype.kind in "iubf":  # numeric labels as int64, as skl2onnx gives them
        classes, class_type = classes.astype(np.int64), onnx_proto.TensorProto.INT64
    else:
        classes = np.array([str(c).encode("utf-8") for c in classes])
        class_type = onnx_proto.TensorProto.STRING
    names = {k: scope.get_unique_variable_name(k) for k in ("classes", "label")}
    container.add_initializer(names["classes"], class_type, classes.shape, classes)
    container.add_node("ArrayFeatureExtractor", [names["classes"], index], names["label"],
                       op_domain="ai.onnx.ml",
                       name=scope.get_unique_operator_name("ArrayFeatureExtractor"))
    apply_reshape(scope, names["label"], operator.outputs[0].full_name, container,
                  desired_shape=(-1,))
