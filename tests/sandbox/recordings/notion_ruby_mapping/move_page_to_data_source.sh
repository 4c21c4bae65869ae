curl -X POST 'https://api.notion.com/v1/pages/2e8d8e4e98ab80ae9fbef2d0fc4c4fea/move' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Content-Type: application/json' \
    -d '{
        "parent": {
            "type": "data_source_id",
            "data_source_id": "2e8d8e4e-98ab-80b1-a70e-000b9440843a"
        }
    }'
