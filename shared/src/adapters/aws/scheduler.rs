//! EventBridge Scheduler as the flows' [`Scheduler`]: one-time schedules (`at(...)` in
//! UTC, deleted after they fire) in one group, each invoking the function with its
//! [`crate::core::schedules::FireInput`] through the Scheduler execution role.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};
use futures_util::future::BoxFuture;

use crate::core::schedules::{Schedule, ScheduleError, Scheduler};
use crate::settings::SchedulerEnv;

#[derive(Debug, Clone)]
pub struct EventBridgeScheduler {
    client: Client,
    env: SchedulerEnv,
}

fn error<E, R>(op: &str, e: &SdkError<E, R>) -> ScheduleError
where
    E: ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    let (temporary, what) = match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("UnknownError").to_owned();
            let temporary = matches!(
                code.as_str(),
                "ThrottlingException" | "InternalServerException" | "ConflictException"
            ) || code.contains("Unavailable");
            (temporary, code)
        }
        SdkError::TimeoutError(_) => (true, "timeout".to_owned()),
        SdkError::DispatchFailure(_) => (true, "network error".to_owned()),
        SdkError::ResponseError(_) => (true, "unreadable response".to_owned()),
        _ => (false, "request could not be built".to_owned()),
    };
    ScheduleError {
        temporary,
        message: format!("{op}: {what}"),
    }
}

fn code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    e.as_service_error().and_then(|se| se.code())
}

impl EventBridgeScheduler {
    /// No call is made here: the client connects on the first schedule change.
    pub fn new(client: Client, env: SchedulerEnv) -> Self {
        Self { client, env }
    }

    fn target(&self, schedule: &Schedule) -> Result<Target, ScheduleError> {
        let mut target = Target::builder()
            .arn(&self.env.target_arn)
            .role_arn(&self.env.role_arn)
            .input(&schedule.input);
        if let Some(dlq) = &self.env.dead_letter_arn {
            target = target.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
        }
        target.build().map_err(|e| ScheduleError {
            temporary: false,
            message: format!("target: {e}"),
        })
    }

    fn window() -> Result<FlexibleTimeWindow, ScheduleError> {
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| ScheduleError {
                temporary: false,
                message: format!("time window: {e}"),
            })
    }

    async fn create_or_update(&self, schedule: &Schedule) -> Result<(), ScheduleError> {
        let created = self
            .client
            .create_schedule()
            .name(&schedule.name)
            .group_name(&self.env.group)
            .schedule_expression(schedule.expression())
            .schedule_expression_timezone("UTC")
            .flexible_time_window(Self::window()?)
            .action_after_completion(ActionAfterCompletion::Delete)
            .target(self.target(schedule)?)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // It exists (the booking was scheduled before): move it.
            Err(e) if code(&e) == Some("ConflictException") => self
                .client
                .update_schedule()
                .name(&schedule.name)
                .group_name(&self.env.group)
                .schedule_expression(schedule.expression())
                .schedule_expression_timezone("UTC")
                .flexible_time_window(Self::window()?)
                .action_after_completion(ActionAfterCompletion::Delete)
                .target(self.target(schedule)?)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error("UpdateSchedule", &e)),
            Err(e) => Err(error("CreateSchedule", &e)),
        }
    }
}

impl Scheduler for EventBridgeScheduler {
    fn upsert<'a>(&'a self, schedule: &'a Schedule) -> BoxFuture<'a, Result<(), ScheduleError>> {
        Box::pin(self.create_or_update(schedule))
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ScheduleError>> {
        Box::pin(async move {
            match self
                .client
                .delete_schedule()
                .name(name)
                .group_name(&self.env.group)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                // Never made, already fired (deleted after completion), or deleted before.
                Err(e) if code(&e) == Some("ResourceNotFoundException") => Ok(()),
                Err(e) => Err(error("DeleteSchedule", &e)),
            }
        })
    }
}
