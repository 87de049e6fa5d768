//! SNS in the emulator (moto's), read back the way a subscriber would: a topic with an SQS
//! queue subscribed to it.

use super::Emulator;

/// A topic and a queue subscribed to it, both in eu-west-1 while the SDK config says
/// us-east-1: the publish finds the topic only if its region is taken from the ARN.
pub async fn topic_with_queue(emulator: &Emulator) -> (String, aws_sdk_sqs::Client, String) {
    let config = emulator.sdk_config().await;
    let region = aws_sdk_sns::config::Region::new("eu-west-1");
    let sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&config)
            .region(region.clone())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&config)
            .region(region)
            .build(),
    );
    let topic = sns
        .create_topic()
        .name("alerts")
        .send()
        .await
        .expect("CreateTopic");
    let topic_arn = topic.topic_arn().expect("topic arn").to_string();
    assert!(
        topic_arn.starts_with("arn:aws:sns:eu-west-1:"),
        "{topic_arn}"
    );
    let queue = sqs
        .create_queue()
        .queue_name("alerts-inbox")
        .send()
        .await
        .expect("CreateQueue");
    let queue_url = queue.queue_url().expect("queue url").to_string();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes");
    let queue_arn = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("queue arn")
        .clone();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .expect("Subscribe");
    (topic_arn, sqs, queue_url)
}

/// The bodies of the messages waiting in `queue_url` (SNS envelopes, JSON).
pub async fn received(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<serde_json::Value> {
    let answer = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("ReceiveMessage");
    answer
        .messages()
        .iter()
        .filter_map(|m| serde_json::from_str(m.body()?).ok())
        .collect()
}
