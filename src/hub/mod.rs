//! The Durable Object `EventHub`: one per community (the default one, and
//! one per Telegram group, named `c:<slug>`), holding its live sockets and
//! its in-memory catalog. This file is only the runtime's glue: each entry
//! point hands the hub's [`State`](state::State) to the code that serves
//! it.
//!
//! Where things are: [`state`] owns everything a hub holds (the place,
//! the catalog, the sockets, the users, the rendered messages, the merge
//! windows, the seat commits, the login deadlines, the turns); [`client`]
//! is the Worker's typed calls to a hub (opening a socket, a changed
//! community, a user who left); [`cmd`] takes each frame through its route
//! to one file per family of messages (`login`, `attend`, `events`,
//! `people`, `settings`); [`broadcast`] tells the sockets. The small
//! mechanisms each have their own file: [`sockets`] (one record per
//! socket, the only code that touches attachments), [`turns`] (order per
//! user), [`commit`] (seat writes in groups), [`merge`] (broadcast
//! windows), [`views`] (rendered messages), [`users`] (everyone the hub
//! knows), [`deadline`] (the login timeout).

mod broadcast;
pub mod client;
pub(crate) mod cmd;
mod commit;
mod deadline;
pub(crate) mod members;
mod merge;
mod sockets;
pub mod state;
pub(crate) mod turns;
mod users;
mod views;

use worker::{
    console_error, durable_object, DurableObject, Env, Request, Response, Result, WebSocket,
    WebSocketIncomingMessage,
};

use crate::protocol;

#[durable_object]
pub struct EventHub {
    state: state::State,
}

impl DurableObject for EventHub {
    fn new(runtime: worker::State, env: Env) -> Self {
        // The runtime answers pings itself, so a ping never wakes the object.
        match worker::WebSocketRequestResponsePair::new(protocol::PING, protocol::PONG) {
            Ok(pair) => runtime.set_websocket_auto_response(&pair),
            Err(_) => console_error!("could not set the ping auto-response"),
        }
        EventHub {
            state: state::State::new(runtime, env),
        }
    }

    /// A call from the Worker (`client.rs`): a socket to open, news of the
    /// community.
    async fn fetch(&self, req: Request) -> Result<Response> {
        crate::store::counters::invocation(client::receive(&self.state, req)).await
    }

    /// Closes the sockets that have not logged in within
    /// `LOGIN_TIMEOUT_SECONDS`, and, in a group's community, asks again
    /// about the users of open sockets whose membership answer got too old.
    async fn alarm(&self) -> Result<Response> {
        crate::store::counters::invocation(self.wake()).await
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        cmd::receive(&self.state, &ws, message).await;
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        self.state.sockets.forget(&ws);
        // Complete the closing handshake; the socket may already be gone.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> Result<()> {
        console_error!("websocket error: {error}");
        self.state.sockets.forget(&ws);
        Ok(())
    }
}

impl EventHub {
    /// The alarm's work (see `alarm`).
    async fn wake(&self) -> Result<Response> {
        let state = &self.state;
        let now = state.clock.millis() as u64;
        state.deadlines.close_late(&state.sockets, now).await;
        if let Some(next) = members::recheck(state).await {
            let now = state.clock.millis() as u64;
            state
                .deadlines
                .set_alarm_by(&state.sockets, next, now)
                .await;
        }
        Response::ok("")
    }
}
