#include "jobs.h"

#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "boundary.h"
#include "live_models.h"
#include "model_wrap.h"

namespace td {
namespace addon {

Napi::Error MakeAbortError(Napi::Env env) {
  Napi::Error err = Napi::Error::New(env, "The operation was aborted");
  err.Set("name", "AbortError");
  err.Set("code", "ABORT_ERR");
  return err;
}

namespace {

// Shared shape of the jobs: a thread of their own (not libuv's pool, whose work an exiting
// environment waits for before any cleanup hook can abort it), progress and completion
// through a thread-safe function, the promise, keeping the model alive. A job belongs to the
// environment that started it (live_models.h).
class JobBase : public RunningJob {
 public:
  JobBase(Napi::Env env, ModelWrap* owner, Napi::Object self, Napi::Value on_progress)
      : owner_(owner), env_(env), self_(Napi::Persistent(self)), deferred_(Napi::Promise::Deferred::New(env)) {
    if (on_progress.IsFunction()) progress_ = Napi::Persistent(on_progress.As<Napi::Function>());
  }

  // Starts the thread; on failure the job is deleted and a JS error thrown.
  static Napi::Promise Start(JobBase* job) {
    Napi::Env env(job->env_);
    Napi::Promise promise = job->deferred_.Promise();
    napi_value name = Napi::String::New(env, "tabular-diffusion");
    napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, job,
                                                         &JobBase::CallJs, &job->tsfn_);
    if (status != napi_ok) {
      job->owner_->FinishJob();
      delete job;
      throw Napi::Error::New(env, "model: could not start the job (napi_create_threadsafe_function failed)");
    }
    AddRunningJob(job->env_, job);
    try {
      job->thread_ = std::thread([job] { job->Run(); });
    } catch (const std::system_error& e) {
      RemoveRunningJob(job->env_, job);
      napi_release_threadsafe_function(job->tsfn_, napi_tsfn_abort);
      job->owner_->FinishJob();
      delete job;
      throw Napi::Error::New(env, std::string("model: the OS refused a thread for this job (") + e.what() + ")");
    }
    return promise;
  }

  void Join() override {
    if (thread_.joinable()) thread_.join();
  }

  // Environment teardown: the thread has been joined; free without calling into JS (the
  // references' own teardown is the environment's).
  void Discard() override {
    Join();
    self_.SuppressDestruct();
    progress_.SuppressDestruct();
    progress_error_.SuppressDestruct();
    delete this;
  }

 protected:
  // Runs on the job's thread; report progress with Send. Throws std::exception on failure.
  virtual void Execute() = 0;
  // Runs on the JS thread after Execute returned without throwing.
  virtual void OnOK(Napi::Env env) = 0;

  void Send(double a, double b) { Post(new Message{false, a, b}); }

  // Settles the promise for a job that ran to its end or stopped on abort.
  void Settle(bool aborted, Napi::Value value) {
    Napi::Env env(env_);
    if (!progress_error_.IsEmpty()) deferred_.Reject(progress_error_.Value());
    else if (aborted) deferred_.Reject(MakeAbortError(env).Value());
    else deferred_.Resolve(value);
  }

  ModelWrap* owner_;
  std::string error_;  // set when Execute threw
  bool error_is_range_ = false;

 private:
  struct Message {
    bool done;
    double a;  // fit: optimiser step; sample: rows done
    double b;  // fit: mean loss since the last report; sample: unused
  };

  void Run() {
    try {
      Execute();
    } catch (const std::bad_alloc&) {
      error_ = "out of memory; use fewer rows or a smaller batch";
      error_is_range_ = true;
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    Post(new Message{true, 0, 0});
  }

  void Post(Message* m) {
    // napi_closing: the environment is going away; its cleanup hook joins this thread.
    if (napi_call_threadsafe_function(tsfn_, m, napi_tsfn_blocking) != napi_ok) delete m;
  }

  static void CallJs(napi_env env, napi_value, void* context, void* data) {
    std::unique_ptr<Message> m(static_cast<Message*>(data));
    if (env == nullptr) return;  // teardown: the job is the cleanup hook's to free
    auto* job = static_cast<JobBase*>(context);
    try {
      if (m->done) job->Finish();
      else job->Progress(m->a, m->b);
    } catch (...) {
      // Nothing may unwind into N-API; an exception here means the environment is stopping.
    }
  }

  // Raw N-API: in an environment being torn down (a worker calling process.exit from this
  // callback) the pending exception is not an object, and wrapping it in a Napi::Error is a
  // fatal error.
  void Progress(double a, double b) {
    if (progress_.IsEmpty() || !progress_error_.IsEmpty()) return;
    napi_value args[2], recv, result, fn = progress_.Value();
    if (napi_create_double(env_, a, &args[0]) != napi_ok || napi_create_double(env_, b, &args[1]) != napi_ok ||
        napi_get_undefined(env_, &recv) != napi_ok) {
      owner_->abort_flag().store(true);
      return;
    }
    const napi_status status = napi_call_function(env_, recv, fn, 2, args, &result);
    if (status == napi_ok) return;
    // A throwing callback stops the job and becomes its rejection; any other failure means
    // the environment is stopping: stop the job too.
    owner_->abort_flag().store(true);
    napi_value error;
    if (status == napi_pending_exception && napi_get_and_clear_last_exception(env_, &error) == napi_ok) {
      napi_valuetype type;
      if (napi_typeof(env_, error, &type) == napi_ok && type != napi_undefined) {
        napi_ref ref;
        if (napi_create_reference(env_, error, 1, &ref) == napi_ok) progress_error_ = Napi::Reference<Napi::Value>(env_, ref);
      }
    }
  }

  void Finish() {
    Join();
    if (!RemoveRunningJob(env_, this)) return;  // already discarded by environment cleanup
    napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
    owner_->FinishJob();
    Napi::Env env(env_);
    Napi::HandleScope scope(env);
    std::unique_ptr<JobBase> self(this);
    if (!error_.empty()) {
      const std::string what = std::string(Kind()) + " failed: " + error_;
      deferred_.Reject(error_is_range_ ? Napi::RangeError::New(env, what).Value() : Napi::Error::New(env, what).Value());
      return;
    }
    try {
      OnOK(env);  // may throw (an output too large to hand to V8): that is the rejection
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(Napi::Error::New(env, std::string(Kind()) + " failed while returning its result").Value());
    }
  }

  virtual const char* Kind() const = 0;

  napi_env env_;
  napi_threadsafe_function tsfn_ = nullptr;
  std::thread thread_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference progress_;
  Napi::Reference<Napi::Value> progress_error_;
};

class FitJob : public JobBase {
 public:
  const char* Kind() const override { return "fit"; }
  FitJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<FitInputs> in, Napi::Value on_progress)
      : JobBase(env, owner, self, on_progress), in_(std::move(in)) {}

  void Execute() override {
    const cpu::TrainProgress report = [&](int64_t step, double loss) {
      Send(static_cast<double>(step), loss);
    };
    result_ = owner_->backend().train(owner_->model(), in_->store->data, in_->options, owner_->abort_flag(), report);
  }

  void OnOK(Napi::Env env) override {
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
  const char* Kind() const override { return "sample"; }
  SampleJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<SampleInputs> in,
            Napi::Value on_progress)
      : JobBase(env, owner, self, on_progress), in_(std::move(in)) {}

  ~SampleJob() override {
    delete[] out_;
    delete[] out_cat_;
  }

  void Execute() override {
    const size_t count = static_cast<size_t>(in_->n) * owner_->model().numeric_dim();
    out_ = new float[count > 0 ? count : 1];
    int64_t last_reported = 0;
    const int64_t every = in_->progress_interval;
    const cpu::SampleProgress report = [&](int64_t rows_done) {
                               if (every <= 0 || (rows_done - last_reported < every && rows_done < in_->n)) return;
                               last_reported = rows_done;
                               Send(static_cast<double>(rows_done), 0.0);
                             };
    if (owner_->model().cat.active()) {
      const size_t cat_count = static_cast<size_t>(in_->n) * owner_->model().cat.classes.size();
      out_cat_ = new int32_t[cat_count > 0 ? cat_count : 1];
    }
    completed_ = owner_->backend().sample(owner_->model(), in_->n, in_->options, out_, out_cat_, owner_->abort_flag(), report);
  }

  void OnOK(Napi::Env env) override {
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
  out.completed = owner->backend().evaluate(model, params, data, in.k.data(), in.draws, in.seed, out.mse.data(),
                                           out.cat.data(), out.prior.data(), owner->abort_flag());
}

Napi::Object EvalResult(Napi::Env env, const EvalOutput& out) {
  auto copy = [&](const std::vector<double>& v) {
    Napi::Float64Array a = NewFloat64Out(env, "rows", v.size());
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
  const char* Kind() const override { return "evaluate"; }
  EvalJob(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<EvalInputs> in)
      : JobBase(env, owner, self, env.Undefined()), in_(std::move(in)) {}

  void Execute() override {
    RunEvaluation(owner_, *in_, out_);
  }

  void OnOK(Napi::Env env) override {
    Settle(!out_.completed, out_.completed ? Napi::Value(EvalResult(env, out_)) : env.Undefined());
  }

 private:
  std::unique_ptr<EvalInputs> in_;
  EvalOutput out_;
};

}  // namespace

Napi::Promise StartEvaluate(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<EvalInputs> inputs) {
  return JobBase::Start(new EvalJob(env, owner, self, std::move(inputs)));
}

Napi::Object RunEvaluate(Napi::Env env, ModelWrap* owner, const EvalInputs& inputs) {
  EvalOutput out;
  RunEvaluation(owner, inputs, out);
  return EvalResult(env, out);
}

Napi::Promise StartFit(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<FitInputs> inputs,
                       Napi::Value on_progress) {
  return JobBase::Start(new FitJob(env, owner, self, std::move(inputs), on_progress));
}

Napi::Promise StartSample(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<SampleInputs> inputs,
                          Napi::Value on_progress) {
  return JobBase::Start(new SampleJob(env, owner, self, std::move(inputs), on_progress));
}

}  // namespace addon
}  // namespace td
