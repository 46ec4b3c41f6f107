"""LearnedLowRank: a learned-sketch low-rank approximator in scikit-learn's style.

    est = sketchd.LearnedLowRank(n_components=10, sketch_size=20).fit(train_frames)
    Y, Z = est.approximate(A)      # A ≈ Y @ Z.T
    est.score(A)                   # relative excess error over the exact rank-k SVD

With ``client`` the sketch is trained and applied by a sketchd server (on
``dataset``, created and filled by ``fit`` when it does not exist); without
one, in process through the core bindings. Parameters follow scikit-learn's
conventions (``get_params`` / ``set_params``, fitted attributes end in "_")
without depending on scikit-learn.
"""

import inspect
import uuid

from sketchd import errors, local, streaming


class LearnedLowRank:
    """Rank-``n_components`` approximation A ≈ Y Zᵀ with a learned CountSketch.

    Parameters:
        n_components: target rank k.
        sketch_size: rows m of the sketch.
        method: training method ("inner_product", "ivy", "greedy", "mixed", "random").
        random_state: seed of the training (and of the random baseline).
        client: a ``sketchd.Client``; None trains and applies in process.
        dataset: server dataset name (default: a fresh "learned-lowrank-…" name).
        train_options: further training options (e.g. {"refine_values": True}).

    Fitted attributes: ``sketch_`` (sketchd.Sketch), ``validation_`` (held-out
    figures vs a random sketch), ``dataset_`` and ``job_`` (server mode).
    """

    def __init__(self, n_components=10, sketch_size=20, method="inner_product", random_state=0,
                 client=None, dataset=None, train_options=None):
        self.n_components = n_components
        self.sketch_size = sketch_size
        self.method = method
        self.random_state = random_state
        self.client = client
        self.dataset = dataset
        self.train_options = train_options

    # ------------------------------------------------- scikit-learn protocol --

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self"]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__)
                    .parameters.values() if p.name != "self"}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v is not defaults[k]
                   and v != defaults[k]]
        return f"{type(self).__name__}({', '.join(changed)})"

    # --------------------------------------------------------------- fitting --

    def fit(self, X, y=None):
        """Trains the sketch on a stack (N, n, d) or a list of n×d matrices.

        Server mode uploads X to ``dataset`` (created if missing; X is added
        to any matrices it already holds) and trains on the dataset.
        """
        del y  # unsupervised; accepted for pipeline compatibility
        matrices = streaming.matrix_list(X, "X")
        options = dict(self.train_options or {})
        if self.client is None:
            self.sketch_ = local.train(matrices, method=self.method, k=self.n_components,
                                       m=self.sketch_size, seed=self.random_state, **options)
            self.dataset_ = None
            self.job_ = None
        else:
            name = self.dataset or f"learned-lowrank-{uuid.uuid4().hex[:12]}"
            n = matrices[0].shape[0]
            try:
                self.client.get_dataset(name)
            except errors.NotFound:
                self.client.create_dataset(name, rows=n,
                                           description="sketchd.LearnedLowRank training set")
            self.client.upload(name, matrices)
            self.job_ = self.client.train(name, method=self.method, k=self.n_components,
                                          m=self.sketch_size, seed=self.random_state,
                                          wait=True, progress=False, **options)
            self.sketch_ = self.job_.sketch()
            self.dataset_ = name
        self.validation_ = self.sketch_.validation
        return self

    def _check_fitted(self):
        if not hasattr(self, "sketch_"):
            raise errors.FailedPrecondition(
                f"this {type(self).__name__} is not fitted yet; call fit(matrices) first")

    def approximate(self, A):
        """(Y, Z) with A ≈ Y @ Z.T, Y n×k and Z d×k (float64)."""
        self._check_fitted()
        if self.client is None:
            y, z, _ = local.low_rank(self.sketch_, A, self.n_components)
        else:
            y, z, _ = self.client.low_rank(self.dataset_, A, self.n_components,
                                           sketch=self.sketch_.version)
        return y, z

    def score(self, A):
        """Relative excess error (‖A − YZᵀ‖_F − ‖A − A_k‖_F) / ‖A − A_k‖_F; lower is better."""
        y, z = self.approximate(A)
        return local.evaluate_low_rank(A, y, z, self.n_components)["relative_excess"]
