// Like-for-like checks between our run and the PyTorch peer of one configuration: the two
// trainings must have the same loss-curve shape and final loss, and both samplers must give
// rows whose column means and sds match the data's. Limits are stated here and printed.

export const LIMITS = {
  /** (last window / first window) of ours and of the peer agree within this factor. */
  lossShapeFactor: 1.3,
  /** Final window losses agree within this factor. */
  finalLossFactor: 1.3,
  /** max over columns |mean_sample - mean_data| / sd_data. */
  meanTol: 0.2,
  /** max over columns |sd_sample / sd_data - 1|. */
  sdTol: 0.2,
};

const factor = (a, b) => Math.max(a / b, b / a);

function momentError(sample, data) {
  let mean = 0, sd = 0;
  for (let j = 0; j < data.mean.length; j++) {
    const s = data.sd[j] || 1;
    mean = Math.max(mean, Math.abs(sample.mean[j] - data.mean[j]) / s);
    sd = Math.max(sd, Math.abs(sample.sd[j] / s - 1));
  }
  return { mean, sd };
}

export function likeForLike(ours, peer, dataMoments) {
  const checks = [];
  if (ours?.train && peer?.train) {
    const ro = ours.train.lossWindows.at(-1) / ours.train.lossWindows[0];
    const rp = peer.train.lossWindows.at(-1) / peer.train.lossWindows[0];
    checks.push({ check: 'loss last/first window', ours: ro, peer: rp, limit: `agree within x${LIMITS.lossShapeFactor}`,
      pass: factor(ro, rp) <= LIMITS.lossShapeFactor });
    const fo = ours.train.lossWindows.at(-1), fp = peer.train.lossWindows.at(-1);
    checks.push({ check: 'final window loss', ours: fo, peer: fp, limit: `agree within x${LIMITS.finalLossFactor}`,
      pass: factor(fo, fp) <= LIMITS.finalLossFactor });
  }
  if (ours?.moments && peer?.moments && dataMoments) {
    const eo = momentError(ours.moments, dataMoments), ep = momentError(peer.moments, dataMoments);
    checks.push({ check: 'sample means vs data: max abs(dmean)/sd', ours: eo.mean, peer: ep.mean, limit: `<= ${LIMITS.meanTol} both`,
      pass: eo.mean <= LIMITS.meanTol && ep.mean <= LIMITS.meanTol });
    checks.push({ check: 'sample sds vs data: max abs(sd ratio - 1)', ours: eo.sd, peer: ep.sd, limit: `<= ${LIMITS.sdTol} both`,
      pass: eo.sd <= LIMITS.sdTol && ep.sd <= LIMITS.sdTol });
  }
  return checks;
}
