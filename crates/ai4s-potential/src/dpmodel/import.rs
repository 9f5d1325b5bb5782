//! Reading DeePMD-kit's native document into an ai4s model (`import`), checking every key,
//! shape and class and naming the path of anything it refuses.

use super::*;

/// A position in the document, for error messages that name the key.
#[derive(Clone)]
pub(super) struct Node<'a> {
    pub(super) v: &'a Value,
    pub(super) path: String,
}

pub(super) type Res<T> = std::result::Result<T, String>;

impl<'a> Node<'a> {
    pub(super) fn obj(&self) -> Res<&'a Map<String, Value>> {
        self.v
            .as_object()
            .ok_or_else(|| format!("{}: expected a mapping", self.path))
    }

    pub(super) fn get(&self, key: &str) -> Res<Node<'a>> {
        let path = format!("{}.{key}", self.path);
        let v = self
            .obj()?
            .get(key)
            .ok_or_else(|| format!("{path}: missing"))?;
        Ok(Node { v, path })
    }

    pub(super) fn str(&self) -> Res<&'a str> {
        self.v
            .as_str()
            .ok_or_else(|| format!("{}: expected a string", self.path))
    }

    pub(super) fn f64(&self) -> Res<f64> {
        self.v
            .as_f64()
            .ok_or_else(|| format!("{}: expected a number", self.path))
    }

    pub(super) fn bool(&self) -> Res<bool> {
        self.v
            .as_bool()
            .ok_or_else(|| format!("{}: expected true or false", self.path))
    }

    pub(super) fn usize(&self) -> Res<usize> {
        self.v
            .as_u64()
            .map(|x| x as usize)
            .ok_or_else(|| format!("{}: expected a non-negative integer", self.path))
    }

    pub(super) fn usizes(&self) -> Res<Vec<usize>> {
        self.v
            .as_array()
            .and_then(|a| a.iter().map(|x| x.as_u64().map(|x| x as usize)).collect())
            .ok_or_else(|| format!("{}: expected a list of non-negative integers", self.path))
    }

    pub(super) fn list(&self) -> Res<&'a Vec<Value>> {
        self.v
            .as_array()
            .ok_or_else(|| format!("{}: expected a list", self.path))
    }

    /// A `np.ndarray` of exactly `shape`, flattened row-major.
    pub(super) fn array(&self, shape: &[usize]) -> Res<Vec<f64>> {
        let p = &self.path;
        if self.v.is_null() {
            return Err(format!(
                "{p}: missing array (null), expected shape {shape:?}"
            ));
        }
        let o = self.obj()?;
        if o.get("@class").and_then(Value::as_str) != Some("np.ndarray") {
            return Err(format!(
                "{p}: expected an array {{\"@class\": \"np.ndarray\", ...}}"
            ));
        }
        match o.get("dtype").and_then(Value::as_str) {
            Some("float64" | "float32") => {}
            other => {
                return Err(format!(
                    "{p}.dtype: {other:?} is not supported; expected \"float64\" (or \"float32\")"
                ));
            }
        }
        let value = o
            .get("value")
            .ok_or_else(|| format!("{p}.value: missing"))?;
        let mut found = Vec::new();
        let mut v = value;
        while let Some(a) = v.as_array() {
            found.push(a.len());
            match a.first() {
                Some(x) => v = x,
                None => break,
            }
        }
        if found != shape {
            return Err(format!("{p}: shape {found:?}, expected {shape:?}"));
        }
        // No capacity from `shape`: only the first element of each level was measured, so the
        // product can promise far more values than the document holds.
        let mut flat = Vec::new();
        flatten(value, shape, p, &mut flat)?;
        Ok(flat)
    }
}

pub(super) fn flatten(v: &Value, shape: &[usize], p: &str, out: &mut Vec<f64>) -> Res<()> {
    match shape {
        [] => out.push(
            v.as_f64()
                .ok_or_else(|| format!("{p}: {v} is not a number"))?,
        ),
        [n, rest @ ..] => {
            let a = v
                .as_array()
                .filter(|a| a.len() == *n)
                .ok_or_else(|| format!("{p}: ragged array, expected shape {shape:?}"))?;
            for x in a {
                flatten(x, rest, p, out)?;
            }
        }
    }
    Ok(())
}

/// Checks `node.key == want` (string), naming the key otherwise.
pub(super) fn expect_str(node: &Node, key: &str, want: &str, what: &str) -> Res<()> {
    let n = node.get(key)?;
    let got = n.str()?;
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{}: `{got}` is not supported; ai4s reads {what} `{want}` only",
            n.path
        ))
    }
}

/// Checks that an optional feature is switched off (`false`, `0`, empty list or null).
pub(super) fn expect_off(node: &Node, key: &str) -> Res<()> {
    let Some(v) = node.obj()?.get(key) else {
        return Ok(());
    };
    let off = v.is_null()
        || v.as_bool() == Some(false)
        || v.as_f64() == Some(0.0)
        || v.as_array().is_some_and(Vec::is_empty);
    if off {
        Ok(())
    } else {
        Err(format!(
            "{}.{key}: {v} is not supported by ai4s (only the default off)",
            node.path
        ))
    }
}

/// Reads one `EmbeddingNetwork`/`FittingNetwork`: hidden layers (tanh, residual rule) and, for
/// a fitting net, the linear output layer.
pub(super) fn read_net(
    net: &Node,
    in_dim: usize,
    widths: &[usize],
    output: bool,
) -> Res<Vec<LayerArrays>> {
    let layers = net.get("layers")?;
    let p = &layers.path;
    let list = layers.list()?;
    let n = widths.len() + usize::from(output);
    if list.len() != n {
        return Err(format!("{p}: {} layers, expected {n}", list.len()));
    }
    let mut out = Vec::with_capacity(n);
    let mut d_in = in_dim;
    for (k, v) in list.iter().enumerate() {
        let lp = format!("{p}[{k}]");
        let layer = Node { v, path: lp };
        let last = output && k == widths.len();
        let d_out = if last { 1 } else { widths[k] };
        expect_str(
            &layer,
            "activation_function",
            if last { "none" } else { "tanh" },
            "activation",
        )?;
        let q = &layer.path;
        if !layer.get("bias")?.bool()? {
            return Err(format!("{q}.bias: layers without bias are not supported"));
        }
        let resnet = layer.get("resnet")?.bool()?;
        let residual = d_out == d_in || d_out == 2 * d_in;
        if !last && residual && !resnet {
            return Err(format!(
                "{q}.resnet: a {d_in} -> {d_out} layer without the residual connection is not supported"
            ));
        }
        let vars = layer.get("@variables")?;
        let w = vars.get("w")?.array(&[d_in, d_out])?;
        let b = vars.get("b")?.array(&[d_out])?;
        let idt_node = vars.get("idt").ok();
        let idt = match idt_node {
            Some(node) if !node.v.is_null() => {
                if last {
                    return Err(format!("{}: the output layer cannot carry idt", node.path));
                }
                Some(node.array(&[d_out])?)
            }
            _ => None,
        };
        out.push(LayerArrays {
            d_in,
            d_out,
            w,
            b,
            idt,
        });
        d_in = d_out;
    }
    Ok(out)
}

pub(super) fn networks<'a>(coll: &Node<'a>, want: usize, ndim: usize) -> Res<Node<'a>> {
    let got_ndim = coll.get("ndim")?.usize()?;
    if got_ndim != ndim {
        return Err(format!("{}.ndim: {got_ndim}, expected {ndim}", coll.path));
    }
    let nets = coll.get("networks")?;
    let len = nets.list()?.len();
    if len != want {
        return Err(format!("{}: {len} networks, expected {want}", nets.path));
    }
    Ok(nets)
}

/// Reads a DeePMD-kit v3 document into a model and its description.
pub fn import(doc: &Value, device: &Device) -> Res<(DeepPot, ModelMeta)> {
    let root = Node {
        v: doc,
        path: String::new(),
    };
    let model = root.get("model")?;
    let model = Node {
        v: model.v,
        path: "model".to_string(),
    };
    expect_str(&model, "type", "standard", "model type")?;
    let desc = model.get("descriptor")?;
    expect_str(&desc, "type", "se_e2_a", "descriptor type")?;
    let fit = model.get("fitting")?;
    expect_str(&fit, "type", "ener", "fitting type")?;
    let tm = model.get("type_map")?;
    let p = tm.path.clone();
    let type_map: Vec<String> = tm
        .list()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{p}: expected a list of element names"))?;
    let ntypes = type_map.len();
    if ntypes == 0 {
        return Err(format!("{p}: empty"));
    }
    for key in ["exclude_types", "env_protection", "set_davg_zero", "spin"] {
        expect_off(&desc, key)?;
    }
    for key in [
        "numb_fparam",
        "numb_aparam",
        "dim_case_embd",
        "exclude_types",
        "atom_ener",
        "tot_ener_zero",
        "use_aparam_as_mask",
        "spin",
        "mixed_types",
    ] {
        expect_off(&fit, key)?;
    }
    for key in [
        "atom_exclude_types",
        "pair_exclude_types",
        "preset_out_bias",
    ] {
        expect_off(&model, key)?;
    }
    expect_str(&desc, "activation_function", "tanh", "activation")?;
    expect_str(&fit, "activation_function", "tanh", "activation")?;
    if let Ok(em) = desc.get("env_mat") {
        expect_off(&em, "use_exp_switch")?;
        expect_off(&em, "protection")?;
    }
    let env = EnvSpec {
        rcut: desc.get("rcut")?.f64()?,
        rcut_smth: desc.get("rcut_smth")?.f64()?,
        sel: desc.get("sel")?.usizes()?,
    };
    if env.sel.len() != ntypes {
        return Err(format!(
            "model.descriptor.sel: {} entries for {ntypes} types {type_map:?}",
            env.sel.len()
        ));
    }
    // Before anything is sized by the neighbour counts (their sum overflowed on garbage).
    let field_message = |e: Error| match e {
        Error::Config { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    };
    env.validate_at("model.descriptor").map_err(field_message)?;
    let net = NetSpec {
        neuron: desc.get("neuron")?.usizes()?,
        axis_neuron: desc.get("axis_neuron")?.usize()?,
        fitting_neuron: fit.get("neuron")?.usizes()?,
    };
    NetSpec::validate_widths("model.descriptor.neuron", &net.neuron).map_err(field_message)?;
    NetSpec::validate_widths("model.fitting_net.neuron", &net.fitting_neuron)
        .map_err(field_message)?;
    let m1 = net.neuron.last().copied().unwrap_or(0);
    let type_one_side = desc.get("type_one_side")?.bool()?;
    let nnei = env.nnei();
    // Environment statistics, one row per type repeated over the slots.
    let vars = desc.get("@variables")?;
    let per_type = |key: &str| -> Res<Vec<[f64; 4]>> {
        let node = vars.get(key)?;
        let q = &node.path;
        let v = node.array(&[ntypes, nnei, 4])?;
        (0..ntypes)
            .map(|t| {
                let first = [v[t * nnei * 4], v[t * nnei * 4 + 1], v[t * nnei * 4 + 2], v[t * nnei * 4 + 3]];
                for s in 0..nnei {
                    let row = &v[(t * nnei + s) * 4..(t * nnei + s + 1) * 4];
                    if row != first {
                        return Err(format!(
                            "{q}: type {t} has different rows in neighbour slots 0 and {s}; ai4s keeps one row per type"
                        ));
                    }
                }
                Ok(first)
            })
            .collect()
    };
    let stats = EnvStats {
        davg: per_type("davg")?,
        dstd: per_type("dstd")?,
    };
    if let Some((t, _)) = stats.dstd.iter().enumerate().find(|(_, r)| {
        r.iter()
            .any(|&x| x.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
    }) {
        return Err(format!(
            "model.descriptor.@variables.dstd: type {t} has a non-positive standard deviation"
        ));
    }
    let mut bias = {
        let fv = fit.get("@variables")?;
        fv.get("bias_atom_e")?.array(&[ntypes, 1])?
    };
    if let Ok(mv) = model.get("@variables")
        && let Ok(ob) = mv.get("out_bias")
        && !ob.v.is_null()
    {
        let ob = ob.array(&[1, ntypes, 1])?;
        for (b, o) in bias.iter_mut().zip(ob) {
            *b += o;
        }
    }
    let meta = ModelMeta {
        type_map,
        env,
        net,
        stats,
        bias,
    };
    check_meta(&meta)?;
    // Networks.
    let coll = desc.get("embeddings")?;
    let n_embed = if type_one_side {
        ntypes
    } else {
        ntypes * ntypes
    };
    let nets = networks(&coll, n_embed, if type_one_side { 1 } else { 2 })?;
    let embed = nets
        .list()?
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let path = format!("{}[{k}]", nets.path);
            let layers = read_net(&Node { v, path }, 1, &meta.net.neuron, false)?;
            Ok(ResNet::from_arrays(&layers, device))
        })
        .collect::<Res<Vec<_>>>()?;
    let coll = fit.get("nets")?;
    let nets = networks(&coll, ntypes, 1)?;
    let mut fits = Vec::with_capacity(ntypes);
    let mut outs = Vec::with_capacity(ntypes);
    for (k, v) in nets.list()?.iter().enumerate() {
        let path = format!("{}[{k}]", nets.path);
        let mut layers = read_net(
            &Node { v, path },
            m1 * meta.net.axis_neuron,
            &meta.net.fitting_neuron,
            true,
        )?;
        outs.extend(layers.pop());
        fits.push(ResNet::from_arrays(&layers, device));
    }
    let model = DeepPot::from_parts(
        embed,
        fits,
        outs,
        &meta.env.sel,
        meta.net.axis_neuron,
        type_one_side,
        device,
    );
    Ok((model, meta))
}
