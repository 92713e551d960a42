#include "jobs.h"

#include <exception>

#include "cuda_jobs.h"
#include "model_wrap.h"
#include "../cpu/sedd_sampler.h"
#include "../cpu/sedd_trainer.h"

namespace td {
namespace addon {

Napi::Error MakeAbortError(Napi::Env env) {
  Napi::Error err = Napi::Error::New(env, "The operation was aborted");
  err.Set("name", "AbortError");
  err.Set("code", "ABORT_ERR");
  return err;
}

namespace {

struct ProgressPoint {
  double a;  // fit: optimiser step; sample: rows done
  double b;  // fit: mean loss since the last report; sample: unused
};

// Shared shape of both jobs: progress callback, abort, promise, keeping the model alive.
class JobBase : public Napi::AsyncProgressQueueWorker<ProgressPoint> {
 public:
  JobBase(Napi::Env env, ModelWrap* owner, Napi::Object self, Napi::Value on_progress)
      : Napi::AsyncProgressQueueWorker<ProgressPoint>(env, "tabular-diffusion"),
        owner_(owner),
        self_(Napi::Persistent(self)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (on_progress.IsFunction()) progress_ = Napi::Persistent(on_progress.As<Napi::Function>());
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void OnProgress(const ProgressPoint* points, size_t count) override {
    if (progress_.IsEmpty() || !progress_error_.IsEmpty()) return;
    Napi::Env env = Env();
    for (size_t i = 0; i < count; ++i) {
      try {
        progress_.Call({Napi::Number::New(env, points[i].a), Napi::Number::New(env, points[i].b)});
      } catch (const Napi::Error& e) {
        // A throwing callback stops the job and becomes its rejection.
        progress_error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
        owner_->abort_flag().store(true);
        return;
      }
    }
  }

  void OnError(const Napi::Error& e) override {
    owner_->FinishJob();
    deferred_.Reject(e.Value());
  }

  // Settles the promise for a job that ran to its end or stopped on abort.
  void Settle(bool aborted, Napi::Value value) {
    owner_->FinishJob();
    Napi::Env env = Env();
    if (!progress_error_.IsEmpty()) deferred_.Reject(progress_error_.Value());
    else if (aborted) deferred_.Reject(MakeAbortError(env).Value());
    else deferred_.Resolve(value);
  }

  ModelWrap* owner_;

 private:
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference progress_;
  Napi::Reference<Napi::Value> progress_error_;
};

class FitJob : public JobBase {
 public:
  FitJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<FitInputs> in, Napi::Value on_progress)
      : JobBase(env, owner, self, on_progress), in_(std::move(in)) {}

  void Execute(const ExecutionProgress& progress) override {
    try {
      const cpu::TrainProgress report = [&](int64_t step, double loss) {
        ProgressPoint p{static_cast<double>(step), loss};
        progress.Send(&p, 1);
      };
      if (const TdCudaApi* cuda = owner_->cuda()) {
        result_ = CudaTrain(*cuda, owner_->model(), in_->store->data, in_->options, owner_->abort_flag(), report);
      } else {
        result_ = cpu::train(owner_->model(), in_->store->data, in_->options, owner_->pool(), owner_->abort_flag(), report);
      }
    } catch (const std::exception& e) {
      SetError(std::string("fit failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("steps", static_cast<double>(result_.steps_done));
    out.Set("lastLoss", result_.last_loss);
    out.Set("totalSteps", static_cast<double>(owner_->model().step));
    Settle(result_.aborted, out);
  }

 private:
  std::unique_ptr<FitInputs> in_;
  cpu::TrainResult result_;
};

class SampleJob : public JobBase {
 public:
  SampleJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<SampleInputs> in,
            Napi::Value on_progress)
      : JobBase(env, owner, self, on_progress), in_(std::move(in)) {}

  ~SampleJob() override {
    delete[] out_;
    delete[] out_cat_;
  }

  void Execute(const ExecutionProgress& progress) override {
    try {
      const size_t count = static_cast<size_t>(in_->n) * owner_->model().numeric_dim();
      out_ = new float[count > 0 ? count : 1];
      int64_t last_reported = 0;
      const int64_t every = in_->progress_interval;
      const cpu::SampleProgress report = [&](int64_t rows_done) {
                                 if (every <= 0 || (rows_done - last_reported < every && rows_done < in_->n)) return;
                                 last_reported = rows_done;
                                 ProgressPoint p{static_cast<double>(rows_done), 0.0};
                                 progress.Send(&p, 1);
                               };
      if (owner_->model().cat.active()) {
        const size_t cat_count = static_cast<size_t>(in_->n) * owner_->model().cat.classes.size();
        out_cat_ = new int32_t[cat_count > 0 ? cat_count : 1];
      }
      if (const TdCudaApi* cuda = owner_->cuda()) {
        completed_ = CudaSample(*cuda, owner_->model(), in_->n, in_->options, owner_->precision(), out_, out_cat_,
                                owner_->abort_flag(), report);
      } else if (owner_->model().cat.active()) {
        completed_ = cpu::sample_mixed(owner_->model(), in_->n, in_->options, out_, out_cat_, owner_->pool(),
                                       owner_->abort_flag(), report);
      } else {
        completed_ = cpu::sample(owner_->model(), in_->n, in_->options, out_, owner_->pool(), owner_->abort_flag(), report);
      }
    } catch (const std::bad_alloc&) {
      SetError("sample failed: out of memory for " + std::to_string(in_->n) + " rows; sample in smaller batches");
    } catch (const std::exception& e) {
      SetError(std::string("sample failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!completed_) {
      Settle(true, env.Undefined());
      return;
    }
    const cpu::DenoiserModel& model = owner_->model();
    const size_t count = static_cast<size_t>(in_->n) * model.numeric_dim();
    // Hand the buffer to JS without a copy; V8 frees it through the finaliser.
    float* data = out_;
    out_ = nullptr;
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, data, count * sizeof(float),
                                                      [](Napi::Env, void* p) { delete[] static_cast<float*>(p); });
    Napi::Float32Array numeric = Napi::Float32Array::New(env, count, buffer, 0);
    if (!model.cat.active()) {
      Settle(false, numeric);
      return;
    }
    // Mixed-type models resolve to {numeric, categorical}.
    const size_t cat_count = static_cast<size_t>(in_->n) * model.cat.classes.size();
    int32_t* cats = out_cat_;
    out_cat_ = nullptr;
    Napi::ArrayBuffer cat_buffer = Napi::ArrayBuffer::New(env, cats, cat_count * sizeof(int32_t),
                                                          [](Napi::Env, void* p) { delete[] static_cast<int32_t*>(p); });
    Napi::Object result = Napi::Object::New(env);
    result.Set("numeric", numeric);
    result.Set("categorical", Napi::Int32Array::New(env, cat_count, cat_buffer, 0));
    Settle(false, result);
  }

 private:
  std::unique_ptr<SampleInputs> in_;
  float* out_ = nullptr;
  int32_t* out_cat_ = nullptr;
  bool completed_ = false;
};

struct EvalOutput {
  std::vector<double> mse, cat, prior;
  bool completed = false;
};

void RunEvaluation(ModelWrap* owner, const EvalInputs& in, EvalOutput& out) {
  const cpu::DenoiserModel& model = owner->model();
  const cpu::TrainData& data = in.store->data;
  const size_t pairs = static_cast<size_t>(data.rows) * in.draws;
  out.mse.assign(pairs, 0.0);
  out.cat.assign(pairs, 0.0);
  out.prior.assign(static_cast<size_t>(data.rows), 0.0);
  const float* params = in.use_ema ? model.sampling_params() : model.params.data();
  out.completed = cpu::evaluate_mixed(model, params, data, in.k.data(), in.draws, in.seed, out.mse.data(),
                                      out.cat.data(), owner->pool(), owner->abort_flag());
  cpu::categorical_prior(model, data, out.prior.data());
}

Napi::Object EvalResult(Napi::Env env, const EvalOutput& out) {
  auto copy = [&](const std::vector<double>& v) {
    Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
    std::copy(v.begin(), v.end(), a.Data());
    return a;
  };
  Napi::Object result = Napi::Object::New(env);
  result.Set("mse", copy(out.mse));
  result.Set("cat", copy(out.cat));
  result.Set("prior", copy(out.prior));
  return result;
}

class EvalJob : public JobBase {
 public:
  EvalJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<EvalInputs> in)
      : JobBase(env, owner, self, env.Undefined()), in_(std::move(in)) {}

  void Execute(const ExecutionProgress&) override {
    try {
      RunEvaluation(owner_, *in_, out_);
    } catch (const std::bad_alloc&) {
      SetError("evaluate failed: out of memory; evaluate fewer rows or draws at a time");
    } catch (const std::exception& e) {
      SetError(std::string("evaluate failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Settle(!out_.completed, out_.completed ? Napi::Value(EvalResult(env, out_)) : env.Undefined());
  }

 private:
  std::unique_ptr<EvalInputs> in_;
  EvalOutput out_;
};

}  // namespace

Napi::Promise StartEvaluate(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<EvalInputs> inputs) {
  auto* job = new EvalJob(env, owner, self, std::move(inputs));
  Napi::Promise promise = job->Promise();
  job->Queue();
  return promise;
}

Napi::Object RunEvaluate(Napi::Env env, ModelWrap* owner, const EvalInputs& inputs) {
  EvalOutput out;
  RunEvaluation(owner, inputs, out);
  return EvalResult(env, out);
}

Napi::Promise StartFit(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<FitInputs> inputs,
                       Napi::Value on_progress) {
  auto* job = new FitJob(env, owner, self, std::move(inputs), on_progress);
  Napi::Promise promise = job->Promise();
  job->Queue();
  return promise;
}

Napi::Promise StartSample(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<SampleInputs> inputs,
                          Napi::Value on_progress) {
  auto* job = new SampleJob(env, owner, self, std::move(inputs), on_progress);
  Napi::Promise promise = job->Promise();
  job->Queue();
  return promise;
}

}  // namespace addon
}  // namespace td
