"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, population Monte Carlo).

The model is stochastic and its likelihood is unknown, so the calibration compares simulated
and observed statistics (:mod:`hdsim.calibration.targets`) and keeps the parameter sets whose
simulations come close. Each simulation uses its own random stream, so a parameter set is
accepted for what it does on average *and* by luck; the accepted ensemble therefore carries
the model's randomness, which is what an ABC posterior of a stochastic model should do.

The sampler follows Beaumont et al. (2009, *Biometrika* 96:983) with a fixed simulation
budget per generation:

1. Generation 0 draws ``first`` parameter sets from the prior, simulates each once, and keeps
   the ``particles`` closest ones; the tolerance ``eps_0`` is the distance of the last kept.
2. Generation t draws ``per_generation`` sets from the previous particles (weighted), each
   moved by a Gaussian kernel with twice their weighted covariance, rejecting moves that leave
   the prior's support before simulating them. It keeps the ``particles`` closest whose
   distance is at most ``eps_{t-1}``; ``eps_t`` is the distance of the last kept.
3. Importance weights correct for the proposal: ``w ∝ prior(θ) / Σ_j w_j K(θ | θ_j)``; the
   prior is uniform on a box in internal coordinates (:mod:`hdsim.calibration.priors`), so
   ``w ∝ 1 / Σ_j w_j K(θ | θ_j)`` inside it.

These generations only steer the proposals towards the region that fits. With a fixed budget
the tolerance stops shrinking at a few sd, and a posterior cut at ``d <= eps`` would be as
wide as ``eps``. The final sample (``final = "gaussian"``, the default) therefore weighs
*every* simulation of all generations with a Gaussian ABC kernel of bandwidth 1 in the units
of the targets' ``sd``:

    w_i ∝ prior(θ_i) · exp(-d_i² / 2) / q(θ_i),     q = Σ_g (n_g / n) q_g   (all generations)

(deterministic-mixture multiple importance sampling over the generations' proposals ``q_g``,
each truncated to the prior's support). By Wilkinson (2013, *Stat. Appl. Genet. Mol. Biol.*
12:129) this is the exact posterior of the model "observation = simulation + N(0, sd²)": the
``sd`` column of the targets file *is* the error model, and the model's own randomness enters
through each run's stream. Particles whose weight is below 1/1000 of the largest are dropped.
``final = "last"`` returns the last generation's accepted particles instead.

The result holds particles, normalised weights, distances and the statistics of each
particle's simulation (for every target, held-out ones included, so a back-test reads its
predictions from the same runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from hdsim.calibration.priors import Prior
from hdsim.calibration.targets import CalibrationError, TargetSet, distance

Simulate = Callable[[list[dict[str, float]]], np.ndarray]
"""Statistics (rows, in the order of all targets) of a batch of natural parameter sets."""
Progress = Callable[[str], None]
FINAL_SAMPLES: tuple[str, ...] = ("gaussian", "last")
KEEP_WEIGHT = 1e-3
"""Final particles lighter than this share of the heaviest are dropped."""


@dataclass(frozen=True)
class SMCSettings:
    """Budget of one ABC-SMC calibration.

    Attributes:
        particles: Parameter sets kept in each generation (the posterior sample size).
        first: Prior draws of generation 0.
        per_generation: Proposals of each later generation.
        generations: Generations after the first.
        kernel_scale: Multiple of the particles' weighted covariance used by the move kernel.
        seed: Seed of the sampler's own draws (not of the model's runs).
        final: ``gaussian`` (every run weighed by a Gaussian ABC kernel) or ``last`` (the last
            generation's accepted particles).
    """

    particles: int = 100
    first: int = 400
    per_generation: int = 200
    generations: int = 3
    kernel_scale: float = 2.0
    seed: int = 20240501
    final: str = "gaussian"

    @property
    def budget(self) -> int:
        """Simulations the calibration runs."""
        return self.first + self.generations * self.per_generation

    def check(self) -> None:
        """Raise a one-line CalibrationError if the settings cannot work."""
        if self.particles < 2:
            raise CalibrationError(f"particles={self.particles}: keep at least 2")
        if self.first < self.particles or (
            self.generations > 0 and self.per_generation < self.particles
        ):
            raise CalibrationError(
                f"each generation must simulate at least particles={self.particles} sets "
                f"(first={self.first}, per_generation={self.per_generation})"
            )
        if self.generations < 0 or self.kernel_scale <= 0:
            raise CalibrationError("generations must be >= 0 and kernel_scale > 0")
        if self.final not in FINAL_SAMPLES:
            raise CalibrationError(f"final={self.final!r} is not one of {', '.join(FINAL_SAMPLES)}")


@dataclass
class Generation:
    """Summary of one generation (for the report).

    Attributes:
        index: Generation number (-1 for the final Gaussian-kernel weighting of all runs).
        simulations: Runs made in this generation.
        accepted: Particles kept.
        epsilon: Tolerance (largest kept distance).
        ess: Effective sample size of the kept weights.
    """

    index: int
    simulations: int
    accepted: int
    epsilon: float
    ess: float


@dataclass
class SMCResult:
    """The accepted ensemble of an ABC-SMC calibration.

    Attributes:
        prior: Prior the sample was drawn under.
        internal: Particles in internal coordinates (particles × dim).
        weights: Normalised importance weights.
        distances: Distance of each particle's simulation to the fitted targets.
        stats: Statistics of each particle's simulation for every target (particles × targets).
        targets: All targets the statistics refer to (fitted ones and held-out ones).
        fitted: The targets the distance used.
        history: One summary per generation.
        simulations: Total runs.
        all_internal: Every simulated parameter set, in internal coordinates.
        all_distances: Distance of every simulation.
        all_stats: Statistics of every simulation.
        all_generation: Generation of every simulation.
    """

    prior: Prior
    internal: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    targets: TargetSet
    fitted: TargetSet
    history: list[Generation] = field(default_factory=list)
    simulations: int = 0
    all_internal: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    all_distances: np.ndarray = field(default_factory=lambda: np.zeros(0))
    all_stats: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    all_generation: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def natural(self) -> np.ndarray:
        """Particles in natural units."""
        return self.prior.to_natural(self.internal)

    @property
    def ess(self) -> float:
        """Effective sample size of the weights."""
        return effective_sample_size(self.weights)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``1 / sum(w^2)`` of normalised weights."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def weighted_covariance(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance of the rows of ``x`` (never singular: a tiny ridge is added)."""
    w = w / w.sum()
    mean = w @ x
    dev = x - mean
    cov = (dev * w[:, None]).T @ dev / max(1.0 - np.sum(w * w), 1e-12)
    scale = np.maximum(np.diag(cov), 1e-12)
    return np.atleast_2d(cov + np.diag(1e-9 * scale + 1e-14))


def _kernel_logpdf(u: np.ndarray, centres: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log N(u_i; centres_j, cov) for all i, j (rows of u × rows of centres)."""
    chol = np.linalg.cholesky(cov)
    diff = u[:, None, :] - centres[None, :, :]
    sol = np.linalg.solve(chol, diff.reshape(-1, u.shape[1]).T).T.reshape(diff.shape)
    maha = np.sum(sol * sol, axis=2)
    log_det = 2.0 * np.sum(np.log(np.diag(chol)))
    return -0.5 * (maha + log_det + u.shape[1] * np.log(2.0 * np.pi))


def _propose(
    prior: Prior,
    centres: np.ndarray,
    weights: np.ndarray,
    cov: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """``n`` moves of weighted particles inside the prior's support.

    Returns:
        The moves, and the share of raw moves that fell inside the support (the mass of the
        untruncated proposal there, which normalises the truncated proposal's density).
    """
    chol = np.linalg.cholesky(cov)
    out: list[np.ndarray] = []
    have = tried = 0
    for _ in range(1000):
        picks = rng.choice(centres.shape[0], size=2 * (n - have) + 8, p=weights)
        moved = centres[picks] + rng.standard_normal((picks.size, centres.shape[1])) @ chol.T
        tried += picks.size
        moved = moved[prior.inside(moved)]
        out.append(moved)
        have += moved.shape[0]
        if have >= n:
            return np.vstack(out)[:n], have / tried
    raise CalibrationError("the move kernel keeps leaving the prior's support; widen the priors")


@dataclass
class _Proposal:
    """A generation's proposal: a Gaussian mixture truncated to the prior's support."""

    centres: np.ndarray
    weights: np.ndarray
    cov: np.ndarray
    inside: float
    n: int

    def logpdf(self, u: np.ndarray) -> np.ndarray:
        mix = _kernel_logpdf(u, self.centres, self.cov) + np.log(self.weights)[None, :]
        return logsumexp(mix, axis=1) - np.log(self.inside)


def gaussian_weights(
    prior: Prior, u: np.ndarray, d: np.ndarray, n_prior: int, proposals: list[_Proposal]
) -> np.ndarray:
    """Normalised weights of all runs under a Gaussian ABC kernel (see the module docstring).

    Args:
        prior: The prior (uniform on its box in internal coordinates).
        u: Every simulated point, internal coordinates, generation 0 first.
        d: Their distances.
        n_prior: How many of them are prior draws (generation 0).
        proposals: The later generations' proposals, in order.
    """
    a, b = prior.box
    total = u.shape[0]
    parts = [np.full(total, np.log(n_prior / total) - np.sum(np.log(b - a)))]
    parts += [np.log(p.n / total) + p.logpdf(u) for p in proposals]
    log_q = logsumexp(np.vstack(parts), axis=0)
    log_w = -0.5 * d**2 - log_q
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def abc_smc(
    prior: Prior,
    simulate: Simulate,
    targets: TargetSet,
    fitted_ids: list[str] | None = None,
    settings: SMCSettings | None = None,
    progress: Progress | None = None,
    initial: tuple[np.ndarray, np.ndarray] | None = None,
) -> SMCResult:
    """Run ABC-SMC and return the last generation's weighted particles.

    Args:
        prior: Prior over the fitted parameters.
        simulate: Statistics (for all of ``targets``) of a batch of natural parameter sets.
        targets: All targets the simulator returns statistics for.
        fitted_ids: Ids of the targets the distance uses (default: every fitted target);
            the others are predicted, not fitted (back-test).
        settings: Budget and seed.
        progress: Called with one line per generation.
        initial: Prior draws already simulated (internal coordinates, statistics for all of
            ``targets``), used as generation 0 instead of new ones. Prior draws do not depend
            on the targets, so a back-test and the full fit can share them.

    Returns:
        The accepted ensemble.

    Raises:
        CalibrationError: The settings cannot work, or no target is fitted.
    """
    settings = settings or SMCSettings()
    settings.check()
    ids = fitted_ids if fitted_ids is not None else targets.fitted.ids
    fitted = targets.select(lambda t: t.id in ids and t.fitted)
    if len(fitted) == 0:
        raise CalibrationError("no 'point' or 'bound' target left to fit")
    columns = np.array([targets.ids.index(i) for i in fitted.ids])
    rng = np.random.default_rng(settings.seed)
    say = progress or (lambda _line: None)

    def run(internal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = [prior.as_dict(x) for x in prior.to_natural(internal)]
        stats = np.asarray(simulate(batch), dtype=float)
        return stats, np.asarray(distance(stats[:, columns], fitted))

    all_u: list[np.ndarray] = []
    all_s: list[np.ndarray] = []
    all_d: list[np.ndarray] = []
    all_g: list[np.ndarray] = []

    if initial is None:
        u = prior.sample(rng, settings.first)
        stats, d = run(u)
    else:
        u, stats = np.asarray(initial[0], dtype=float), np.asarray(initial[1], dtype=float)
        if u.shape[1] != prior.dim or stats.shape != (u.shape[0], len(targets)):
            raise CalibrationError("the shared prior draws do not match the prior and targets")
        d = np.asarray(distance(stats[:, columns], fitted))
    all_u.append(u)
    all_s.append(stats)
    all_d.append(d)
    all_g.append(np.zeros(d.size, dtype=int))
    keep = np.argsort(d, kind="stable")[: settings.particles]
    particles, weights = u[keep], np.full(keep.size, 1.0 / keep.size)
    kept_d, kept_s = d[keep], stats[keep]
    eps = float(kept_d.max())
    history = [Generation(0, d.size, keep.size, eps, float(keep.size))]
    say(f"generation 0: {d.size} prior draws, eps {eps:.3f}")

    steering: list[_Proposal] = []
    for g in range(1, settings.generations + 1):
        cov = settings.kernel_scale * weighted_covariance(particles, weights)
        proposals, inside = _propose(prior, particles, weights, cov, settings.per_generation, rng)
        steering.append(_Proposal(particles, weights, cov, inside, proposals.shape[0]))
        stats, d = run(proposals)
        all_u.append(proposals)
        all_s.append(stats)
        all_d.append(d)
        all_g.append(np.full(d.size, g, dtype=int))
        order = np.argsort(d, kind="stable")
        keep = order[d[order] <= eps][: settings.particles]
        if keep.size < 2:
            say(f"generation {g}: fewer than 2 proposals within eps {eps:.3f}; stopping")
            history.append(Generation(g, proposals.shape[0], int(keep.size), eps, 0.0))
            break
        log_q = logsumexp(
            _kernel_logpdf(proposals[keep], particles, cov) + np.log(weights)[None, :], axis=1
        )
        log_w = -log_q
        new_w = np.exp(log_w - log_w.max())
        particles, weights = proposals[keep], new_w / new_w.sum()
        kept_d, kept_s = d[keep], stats[keep]
        eps = float(kept_d.max())
        ess = effective_sample_size(weights)
        history.append(Generation(g, proposals.shape[0], int(keep.size), eps, ess))
        say(
            f"generation {g}: {proposals.shape[0]} proposals, kept {keep.size}, "
            f"eps {eps:.3f}, ESS {ess:.0f}"
        )

    every_u, every_d, every_s = np.vstack(all_u), np.concatenate(all_d), np.vstack(all_s)
    if settings.final == "gaussian":
        w_all = gaussian_weights(prior, every_u, every_d, all_d[0].size, steering)
        ess = effective_sample_size(w_all)
        keep = np.flatnonzero(w_all >= KEEP_WEIGHT * w_all.max())
        particles, weights = every_u[keep], w_all[keep] / w_all[keep].sum()
        kept_d, kept_s = every_d[keep], every_s[keep]
        history.append(Generation(-1, 0, int(keep.size), float(kept_d.max()), ess))
        say(
            f"final: Gaussian kernel over {every_d.size} runs, {keep.size} particles, ESS {ess:.0f}"
        )

    return SMCResult(
        prior=prior,
        internal=particles,
        weights=weights,
        distances=kept_d,
        stats=kept_s,
        targets=targets,
        fitted=fitted,
        history=history,
        simulations=int(sum(x.size for x in all_d)),
        all_internal=every_u,
        all_distances=every_d,
        all_stats=every_s,
        all_generation=np.concatenate(all_g),
    )


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantile(s) ``q`` of the values ``x`` with weights ``w`` (interpolated CDF)."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x)
    xs, ws = x[order], np.asarray(w, dtype=float)[order]
    cdf = (np.cumsum(ws) - 0.5 * ws) / ws.sum()
    return np.interp(q, cdf, xs)
